package dev.nightjar.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import dev.nightjar.budget.RecommendBudgetJob;
import dev.nightjar.category.KeslerModel;
import dev.nightjar.common.Settings;
import dev.nightjar.search.EntropyLookup;
import dev.nightjar.text.Featurization;
import dev.nightjar.text.ProductText;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online serving service ({@code jobs/serve}): the registry's current models behind TF
 * Serving's REST API and the service's own endpoints, on the JDK's HTTP server with a bounded
 * thread pool.
 *
 * <ul>
 *   <li>{@code POST /v1/models/NAME:predict}, {@code GET /v1/models/NAME}, {@code GET
 *       /v1/models/NAME/metadata}: TF Serving's REST API over the version's SavedModel
 *       ({@link SavedModelServable}).
 *   <li>{@code POST /v1/categorize}: raw product fields, cleaned into terms by {@link
 *       dev.nightjar.text.Featurization#terms} of the model's recorded featurization (the batch jobs' code), scored by {@link CategoryScorer}.
 *   <li>{@code POST /v1/budget}: a shop id, its latest features from the {@link FeatureStore},
 *       a recommendation from {@link BudgetRecommender}.
 *   <li>{@code GET /v1/broad-query?q=...}: the {@link EntropyLookup} of the broad_query version.
 *   <li>{@code GET /healthz}: 200 when every model is loaded, else 503; versions either way.
 *   <li>{@code GET /metrics}: {@link ServingMetrics} in the Prometheus text format.
 * </ul>
 *
 * Errors are JSON {@code {"error": message}}: 400 malformed or invalid input (or over a
 * {@code serving.*} limit), 404 unknown model, path or shop, 405 wrong method, 413 body over the
 * limit, 415 a body that is not JSON, 429 (with {@code Retry-After}) every thread busy and the
 * queue full, 503 nothing loaded yet or the request's deadline passed, 500 a bug (logged, never
 * described in the body); no request can stop the service. Work per request is bounded: the
 * body, JSON depth and strings, instances and their values, and terms per product are capped.
 * Every answered request gets an {@link AccessLog} line.
 */
public final class ServingService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServingService.class);
  static final ObjectMapper JSON = new ObjectMapper();
  private static final String PREDICT = ":predict";
  /** TF Serving's model paths: NAME, NAME/versions/N, each optionally followed by :predict or /metadata. */
  private static final java.util.regex.Pattern MODEL_PATH =
      java.util.regex.Pattern.compile("([^/:]+)(?:/versions/([0-9]{1,18}))?(:predict|/metadata)?");

  /** The settings under {@code serving.*}. */
  public record Options(String host, int port, int threads, int queue, long pollMillis, int maxBodyBytes,
      List<String> models, int tfInterOpThreads, int tfIntraOpThreads,
      RecommendBudgetJob.Options budget, int maxInstances, int maxValuesPerInstance, int maxJsonDepth,
      int maxStringChars, long requestTimeoutMs, int retryAfterSeconds, String accessLog, int largeBodyBytes,
      int largeConcurrency, long tfLargeValues, long maxJsonTokens) {
    public static Options from(Config c) {
      List<String> models = c.getStringList("serving.models");
      for (String m : models) {
        if (!m.matches("[A-Za-z0-9_.-]+")) {
          throw Settings.bad("serving.models", models, "model names of letters, digits, '_', '.', '-'");
        }
      }
      return new Options(
          Settings.string(c, "serving.host"),
          Settings.intIn(c, "serving.port", 0, 65535),
          Settings.intIn(c, "serving.threads", 1, 1024),
          Settings.intIn(c, "serving.queue", 1, 1_000_000),
          Settings.longIn(c, "serving.poll-interval-ms", 10, 3_600_000),
          Settings.intIn(c, "serving.max-body-bytes", 1, 1 << 30),
          models,
          Settings.intIn(c, "serving.tensorflow.inter-op-threads", 0, 1024),
          Settings.intIn(c, "serving.tensorflow.intra-op-threads", 0, 1024),
          RecommendBudgetJob.Options.from(c),
          Settings.intIn(c, "serving.max-instances", 1, 1_000_000),
          Settings.intIn(c, "serving.max-values-per-instance", 1, Integer.MAX_VALUE),
          Settings.intIn(c, "serving.max-json-depth", 2, 10_000),
          Settings.intIn(c, "serving.max-string-chars", 1, Integer.MAX_VALUE),
          Settings.longIn(c, "serving.request-timeout-ms", 1, 3_600_000),
          Settings.intIn(c, "serving.retry-after-seconds", 1, 3600),
          Settings.string(c, "serving.access-log"),
          Settings.intIn(c, "serving.large-body-bytes", 0, Integer.MAX_VALUE),
          Settings.intIn(c, "serving.large-concurrency", 1, 1024),
          Settings.longIn(c, "serving.tensorflow.large-values", 1, Long.MAX_VALUE),
          Settings.longIn(c, "serving.max-json-tokens", 16, Long.MAX_VALUE));
    }
  }

  private final Options options;
  private final Map<String, ModelSlot<ServedModel>> slots = new LinkedHashMap<>();
  private final RegistryWatcher watcher;
  private final FeatureStore store;
  private final BudgetRecommender recommender;
  private final HttpServer server;
  private final ThreadPoolExecutor pool;
  private final JsonBody json;
  private final TensorJson.Limits limits;
  private final ServingMetrics metrics;
  private final AccessLog accessLog;
  private final java.util.concurrent.Semaphore largeTurns;
  /** When the service accepted the request the current thread runs (System.nanoTime()). */
  private static final ThreadLocal<Long> ACCEPTED = new ThreadLocal<>();
  /** Set while the accepting thread answers a request the full pool refused. */
  private static final ThreadLocal<Boolean> REFUSED = new ThreadLocal<>();

  private ServingService(Options o, Path warehouse, FeatureStore store) throws IOException {
    this.options = o;
    this.store = store;
    this.recommender = new BudgetRecommender(o.budget());
    var tfConfig = SavedModelServable.sessionConfig(o.tfInterOpThreads(), o.tfIntraOpThreads());
    for (String m : o.models()) {
      slots.put(m, new ModelSlot<>(m, (name, version, dir) -> ServedModel.load(name, version, dir, tfConfig, o.tfLargeValues())));
    }
    this.watcher = new RegistryWatcher(RegistryWatcher.modelsRoot(warehouse), new ArrayList<>(slots.values()));
    this.json = new JsonBody(o.maxJsonDepth(), o.maxStringChars(), o.maxJsonTokens());
    this.limits = new TensorJson.Limits(o.maxInstances(), o.maxValuesPerInstance());
    this.metrics = new ServingMetrics(slots.values());
    this.accessLog = AccessLog.open(o.accessLog());
    this.largeTurns = new java.util.concurrent.Semaphore(o.largeConcurrency(), true);
    AtomicInteger n = new AtomicInteger();
    // Bounded: when every thread is busy and the queue is full, the accepting thread answers the
    // request at once with 429 and Retry-After (never an unbounded wait, nor unbounded memory).
    this.pool = new ThreadPoolExecutor(o.threads(), o.threads(), 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(o.queue()), r -> {
          Thread t = new Thread(r, "serving-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, (r, executor) -> {
          REFUSED.set(true);
          try {
            r.run();
          } finally {
            REFUSED.remove();
          }
        });
    // Headers and body leave in separate writes: without TCP_NODELAY, Nagle's algorithm holds the
    // body back until the client's (delayed) ACK, ~40 ms per request.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    // A client that sends its request (or reads the answer) slower than this loses its connection
    // instead of holding a request thread (seconds; a -D on the command line wins).
    System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "30"));
    System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty("sun.net.httpserver.maxRspTime", "30"));
    this.server = HttpServer.create(new InetSocketAddress(o.host(), o.port()), 1024);
    server.createContext("/", this::handle);
    server.setExecutor(r -> {
      long accepted = System.nanoTime();
      pool.execute(() -> {
        ACCEPTED.set(accepted);
        try {
          r.run();
        } finally {
          ACCEPTED.remove();
        }
      });
    });
  }

  /** Loads the current models (what is there; missing ones are reported by /healthz), then listens. */
  public static ServingService start(Options o, Path warehouse, Optional<FeatureStore> store) throws IOException {
    ServingService s = new ServingService(o, warehouse, store.orElse(null));
    s.watcher.start(o.pollMillis());
    if (s.store != null) {
      // Load the snapshot now rather than in the first request (a missing one is reported by /healthz).
      try {
        LOG.info("Feature store {}: snapshot {}", s.store.describe(), s.store.version().orElse("none yet"));
      } catch (Exception e) {
        LOG.warn("Feature store {} is not readable yet: {}", s.store.describe(), e.toString());
      }
    }
    s.server.start();
    LOG.info("Serving on port {} (models {}, feature store {})", s.port(), o.models(),
        store.map(FeatureStore::describe).orElse("none"));
    return s;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Reads the aliases now (tests; the watcher does it every poll interval). */
  public void pollRegistry() {
    watcher.pollOnce();
  }

  public ModelSlot<ServedModel> slot(String name) {
    return slots.get(name);
  }

  @Override
  public void close() {
    server.stop(0);
    watcher.close();
    pool.shutdown();
    try {
      pool.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    slots.values().forEach(ModelSlot::close);
    if (store != null) {
      store.close();
    }
    accessLog.close();
  }

  // ---------------------------------------------------------------- HTTP plumbing

  private void handle(HttpExchange ex) {
    Long acceptedAt = ACCEPTED.get();
    long start = acceptedAt == null ? System.nanoTime() : acceptedAt;
    String rawPath = ex.getRequestURI().getRawPath();
    int status;
    byte[] body;
    String type = "application/json";
    try {
      if (Boolean.TRUE.equals(REFUSED.get())) {
        throw busy();
      }
      Answer answer = route(ex, new Deadline(start, options.requestTimeoutMs()));
      status = answer.status();
      if (answer.raw() != null) {
        body = answer.raw();
        type = answer.contentType();
      } else {
        body = JSON.writeValueAsBytes(answer.body());
      }
    } catch (HttpError e) {
      status = e.status();
      body = error(e.getMessage());
      if (status == 429 || status == 503) {
        ex.getResponseHeaders().set("Retry-After", Integer.toString(options.retryAfterSeconds()));
      }
    } catch (Throwable t) {
      // The details go to the log only: a client learns nothing of the service's insides.
      LOG.error("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), t);
      status = 500;
      body = error("Internal error; the service's log has the details");
    }
    try {
      ex.getResponseHeaders().set("Content-Type", type);
      if (status == 429) {
        // The body was not read: do not leave it on a connection that will be reused.
        ex.getResponseHeaders().set("Connection", "close");
      }
      ex.sendResponseHeaders(status, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    } catch (IOException e) {
      LOG.debug("Cannot answer {} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
    } finally {
      ex.close();
      long nanos = System.nanoTime() - start;
      metrics.observe(endpoint(rawPath), status, nanos);
      accessLog.log(ex.getRequestMethod(), rawPath, status, nanos);
    }
  }

  private HttpError busy() {
    return new HttpError(429, "The service is busy: all " + options.threads() + " request threads are working and "
        + options.queue() + " requests wait (serving.threads, serving.queue); retry after "
        + options.retryAfterSeconds() + " s");
  }

  /** The metrics label of a path: a fixed set of names, whatever the client sent. */
  static String endpoint(String rawPath) {
    if (rawPath == null) {
      return "other";
    }
    switch (rawPath) {
      case "/healthz": return "healthz";
      case "/metrics": return "metrics";
      case "/v1/categorize": return "categorize";
      case "/v1/budget": return "budget";
      case "/v1/broad-query": return "broad_query";
      default:
        if (rawPath.startsWith("/v1/models/")) {
          return rawPath.endsWith(PREDICT) ? "predict" : rawPath.endsWith("/metadata") ? "metadata" : "model_status";
        }
        return "other";
    }
  }

  private static byte[] error(String message) {
    try {
      return JSON.writeValueAsBytes(JSON.createObjectNode().put("error", message));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A JSON answer, or (raw != null) bytes of another content type. */
  private record Answer(int status, JsonNode body, byte[] raw, String contentType) {
    Answer(int status, JsonNode body) {
      this(status, body, null, null);
    }
  }

  private static Answer ok(JsonNode body) {
    return new Answer(200, body);
  }

  private Answer route(HttpExchange ex, Deadline deadline) throws Exception {
    String path = ex.getRequestURI().getRawPath();
    String method = ex.getRequestMethod();
    if (path == null) {
      throw HttpError.notFound("No endpoint without a path");
    }
    if (path.equals("/healthz")) {
      requireMethod(method, "GET");
      return health();
    }
    if (path.equals("/metrics")) {
      requireMethod(method, "GET");
      return new Answer(200, null, metrics.scrape(), ServingMetrics.CONTENT_TYPE);
    }
    if (path.equals("/v1/categorize")) {
      requireMethod(method, "POST");
      return withJson(ex, deadline, body -> ok(categorize(body, deadline)));
    }
    if (path.equals("/v1/budget")) {
      requireMethod(method, "POST");
      return withJson(ex, deadline, body -> ok(budget(body)));
    }
    if (path.equals("/v1/broad-query")) {
      requireMethod(method, "GET");
      return ok(broadQuery(HttpInput.queryParam(ex.getRequestURI().getRawQuery(), "q")));
    }
    if (path.startsWith("/v1/models/")) {
      String rest = HttpInput.decode(path.substring("/v1/models/".length()), "the model path");
      java.util.regex.Matcher m = MODEL_PATH.matcher(rest);
      if (!m.matches()) {
        throw HttpError.notFound("No endpoint " + path + "; expected /v1/models/NAME[/versions/N][:predict|/metadata]");
      }
      String name = m.group(1);
      Long version = m.group(2) == null ? null : Long.valueOf(m.group(2));
      String what = m.group(3) == null ? "" : m.group(3);
      if (what.equals(PREDICT)) {
        requireMethod(method, "POST");
        return withJson(ex, deadline, request -> {
          deadline.check("after parsing");
          try (ModelSlot.Lease<ServedModel> l = lease(name, version)) {
            return ok(savedModel(name, l).predict(request, limits, () -> deadline.check("before running the model")));
          }
        });
      }
      requireMethod(method, "GET");
      if (what.equals("/metadata")) {
        try (ModelSlot.Lease<ServedModel> l = lease(name, version)) {
          ObjectNode o = JSON.createObjectNode();
          o.putObject("model_spec").put("name", name).put("signature_name", "").put("version", Long.toString(l.version()));
          o.putObject("metadata").set("signature_def", savedModel(name, l).signatureMetadata());
          return ok(o);
        }
      }
      if (version != null) {
        lease(name, version).close();
      }
      return ok(modelStatus(name));
    }
    throw HttpError.notFound("No endpoint " + path + "; see /healthz, /metrics, /v1/models/NAME[:predict|/metadata],"
        + " /v1/categorize, /v1/budget, /v1/broad-query?q=");
  }

  private static void requireMethod(String method, String expected) {
    if (!method.equals(expected)) {
      throw new HttpError(405, "Expected " + expected + ", found " + method);
    }
  }

  private interface JsonHandler {
    Answer answer(JsonNode body) throws Exception;
  }

  /**
   * Reads the JSON body and answers it. A body over {@code serving.large-body-bytes} waits (within
   * its deadline) until fewer than {@code serving.large-concurrency} large ones run: the largest
   * requests cost up to ~1,000 times a normal one, and taking turns keeps cores for the rest.
   */
  private Answer withJson(HttpExchange ex, Deadline deadline, JsonHandler handler) throws Exception {
    byte[] raw = HttpInput.body(ex, options.maxBodyBytes());
    boolean large = raw.length > options.largeBodyBytes();
    if (large && !largeTurns.tryAcquire(Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS)) {
      throw deadline.expired("waiting for its turn among large requests (serving.large-concurrency = "
          + options.largeConcurrency() + ")");
    }
    try {
      return handler.answer(json.parse(raw));
    } finally {
      if (large) {
        largeTurns.release();
      }
    }
  }

  /** The current version, which must be {@code version} when one is asked for (TF Serving's /versions/N). */
  private ModelSlot.Lease<ServedModel> lease(String name, Long version) {
    ModelSlot.Lease<ServedModel> l = lease(name);
    if (version != null && l.version() != version) {
      long served = l.version();
      l.close();
      throw HttpError.notFound("Model '" + name + "' version " + version + " is not loaded; this service serves version "
          + served + " (the registry's current)");
    }
    return l;
  }

  private ModelSlot.Lease<ServedModel> lease(String name) {
    ModelSlot<ServedModel> slot = slots.get(name);
    if (slot == null) {
      throw HttpError.notFound("Unknown model '" + name + "'; this service serves " + slots.keySet());
    }
    return slot.acquire().orElseThrow(() -> new HttpError(503, "Model '" + name + "' has no loaded version yet"
        + (slot.lastFailure() == null ? " (nothing published: no models/" + name + "/aliases/current)"
            : "; the last one failed to load: " + slot.lastFailure())));
  }

  private static SavedModelServable savedModel(String name, ModelSlot.Lease<ServedModel> l) {
    SavedModelServable sm = l.model().savedModel();
    if (sm == null) {
      throw HttpError.notFound("Model '" + name + "' has no SavedModel (see its own endpoint)");
    }
    return sm;
  }

  // ---------------------------------------------------------------- endpoints

  private JsonNode modelStatus(String name) {
    ModelSlot<ServedModel> slot = slots.get(name);
    if (slot == null) {
      throw HttpError.notFound("Unknown model '" + name + "'; this service serves " + slots.keySet());
    }
    if (slot.version().isEmpty()) {
      throw HttpError.notFound("Could not find any loaded version of model '" + name + "'"
          + (slot.lastFailure() == null ? "" : "; the last one failed to load: " + slot.lastFailure()));
    }
    ObjectNode o = JSON.createObjectNode();
    ObjectNode v = o.putArray("model_version_status").addObject();
    v.put("version", Long.toString(slot.version().getAsLong())).put("state", "AVAILABLE");
    v.putObject("status").put("error_code", "OK").put("error_message", "");
    return o;
  }

  private Answer health() {
    ObjectNode o = JSON.createObjectNode();
    ObjectNode models = o.putObject("models");
    boolean ok = true;
    for (ModelSlot<ServedModel> s : slots.values()) {
      ObjectNode m = models.putObject(s.name());
      if (s.version().isPresent()) {
        m.put("version", s.version().getAsLong());
      } else {
        m.putNull("version");
        ok = false;
      }
      if (s.lastFailure() != null) {
        m.put("last_failure", s.lastFailure());
      }
    }
    ObjectNode fs = o.putObject("feature_store");
    if (store == null) {
      fs.put("kind", "none");
    } else {
      fs.put("store", store.describe());
      try {
        fs.put("version", store.version().orElse(null));
      } catch (Exception e) {
        fs.put("error", e.toString());
        ok = false;
      }
    }
    o.put("status", ok ? "ok" : "degraded");
    // 503 with the same body, so a load balancer's check and a person both get the picture.
    return new Answer(ok ? 200 : 503, o);
  }

  private JsonNode categorize(JsonNode body, Deadline deadline) {
    ProductJson.Products in = ProductJson.products(body, options.maxInstances());
    List<JsonNode> products = in.products();
    try (ModelSlot.Lease<ServedModel> l = lease(ServedModel.CATEGORY)) {
      // The terms of the model's own featurization, by the batch jobs' code.
      Featurization f = l.model().featurization();
      List<List<String>> terms = new ArrayList<>(products.size());
      for (int i = 0; i < products.size(); i++) {
        deadline.check("while cleaning the products");
        terms.add(f.terms(ProductJson.fields(products.get(i), in.batch() ? "product " + i : "the body")));
      }
      List<KeslerModel.Prediction> preds = l.model().category().predict(terms, () -> deadline.check("while scoring"));
      ArrayNode out = JSON.createArrayNode();
      for (int i = 0; i < preds.size(); i++) {
        out.add(prediction(products.get(i), preds.get(i), l.version()));
      }
      return in.batch() ? JSON.createObjectNode().set("predictions", out) : out.get(0);
    }
  }

  private static ObjectNode prediction(JsonNode product, KeslerModel.Prediction p, long version) {
    ObjectNode o = JSON.createObjectNode();
    if (product.has(ProductText.PRODUCT_ID)) {
      o.set(ProductText.PRODUCT_ID, product.get(ProductText.PRODUCT_ID));
    }
    o.put("category_id", p.id()).put("category_path", p.path());
    ArrayNode levels = o.putArray("levels");
    String[] names = p.path().split(" > ");
    for (int i = 0; i < p.levelScores().length; i++) {
      levels.addObject().put("name", i < names.length ? names[i] : null).put("score", p.levelScores()[i]);
    }
    o.put("model_version", version);
    return o;
  }

  private JsonNode budget(JsonNode body) throws Exception {
    JsonNode id = body.isObject() ? body.get("shop_id") : null;
    if (id == null || !(id.isTextual() || id.isIntegralNumber()) || id.asText().isEmpty()) {
      throw HttpError.badRequest("Expected {\"shop_id\": ...} (a string or an integer), found "
          + (body.isObject() ? (id == null ? "no field 'shop_id'" : "'shop_id' " + ProductJson.kind(id)) : ProductJson.kind(body)));
    }
    String shop = id.asText();
    if (store == null) {
      throw new HttpError(503, "No feature store is configured (budget.feature-store.kind = none)");
    }
    Optional<String> found;
    try {
      found = store.get(shop);
    } catch (Exception e) {
      LOG.warn("Feature store {} failed: {}", store.describe(), e.toString());
      throw new HttpError(503, "The feature store (" + store.describe() + ") is unavailable: " + e.getMessage());
    }
    String row = found.orElseThrow(() -> HttpError.notFound("Unknown shop '" + shop
        + "': the feature store (" + store.describe() + ", snapshot " + versionOrNone() + ") has no features for it"));
    Map<String, Object> features = JSON.readValue(row, JSON.getTypeFactory().constructMapType(Map.class, String.class, Object.class));
    try (ModelSlot.Lease<ServedModel> l = lease(ServedModel.BUDGET)) {
      BudgetRecommender.Recommendation r = recommender.recommend(l.model().budget(), features);
      ObjectNode o = JSON.createObjectNode().put("shop_id", shop)
          .put("objective", r.objective())
          .put("budget_low", r.budgetLow())
          .put("budget_high", r.budgetHigh())
          .put("recommended_budget", r.recommendedBudget())
          .put("chance_of_sales", r.chanceOfSales())
          .put("basis", r.basis())
          .put("model_version", l.version());
      o.put("features_version", versionOrNone());
      return o;
    }
  }

  private String versionOrNone() {
    try {
      return store.version().orElse("none");
    } catch (Exception e) {
      return "unreadable (" + e.getMessage() + ")";
    }
  }

  private JsonNode broadQuery(String q) {
    if (q == null || q.isBlank()) {
      throw HttpError.badRequest("Expected a query: /v1/broad-query?q=TEXT");
    }
    for (int i = 0; i < q.length(); i++) {
      if (Character.isISOControl(q.charAt(i))) {
        throw HttpError.badRequest(String.format("Parameter q has a control character (U+%04X) at position %d",
            (int) q.charAt(i), i));
      }
    }
    try (ModelSlot.Lease<ServedModel> l = lease(ServedModel.BROAD_QUERY)) {
      ObjectNode o = JSON.createObjectNode().put("q", q);
      Optional<EntropyLookup.Entry> e = l.model().broadQuery().lookup(q);
      o.put("known", e.isPresent());
      o.put("query", e.map(EntropyLookup.Entry::query).orElse(dev.nightjar.search.QueryNormalizer.normalize(q)));
      // Queries absent from the table are served as specific (the lookup's contract).
      o.put("broad_level", e.map(EntropyLookup.Entry::broadLevel).orElse(0));
      o.put("broad", e.map(EntropyLookup.Entry::broad).orElse(false));
      o.put("top_category", e.map(EntropyLookup.Entry::topCategory).orElse(null));
      ArrayNode show = o.putArray("show");
      e.ifPresent(x -> x.show().forEach(c -> show.addObject().put("name", c.name()).put("share", c.share())));
      o.put("model_version", l.version());
      return o;
    }
  }
}
