package dev.nightjar.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import dev.nightjar.common.Settings;
import dev.nightjar.featurestore.FeatureStore;
import dev.nightjar.http.HttpError;
import dev.nightjar.model.Endpoint;
import dev.nightjar.model.ModelKind;
import dev.nightjar.model.ModelKinds;
import dev.nightjar.model.Request;
import dev.nightjar.registry.LocalRegistry;
import dev.nightjar.model.SavedModels;
import dev.nightjar.model.ServedVersion;
import dev.nightjar.savedmodel.SavedModelServable;
import dev.nightjar.savedmodel.TensorJson;
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
 *   <li>Each model kind's own endpoints ({@link ModelKind#endpoints}: {@code POST /v1/categorize},
 *       {@code POST /v1/budget}, {@code GET /v1/broad-query?q=...}), answered with the version the
 *       request leased.
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
      int maxInstances, int maxValuesPerInstance, int maxJsonDepth,
      int maxStringChars, long requestTimeoutMs, int retryAfterSeconds, String accessLog, int largeBodyBytes,
      int largeConcurrency, long tfLargeValues, long maxJsonTokens, Config config) {
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
          Settings.longIn(c, "serving.max-json-tokens", 16, Long.MAX_VALUE),
          c);
    }
  }

  private final Options options;
  private final Map<String, ModelSlot<ServedVersion>> slots = new LinkedHashMap<>();
  /** The model kinds' own endpoints, by path. */
  private final Map<String, Endpoint> endpoints = new LinkedHashMap<>();
  private final RegistryWatcher watcher;
  private final FeatureStore store;
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
    var tfConfig = SavedModelServable.sessionConfig(o.tfInterOpThreads(), o.tfIntraOpThreads());
    SavedModels savedModels = dir -> SavedModelServable.load(dir, tfConfig, o.tfLargeValues());
    for (String m : o.models()) {
      // A model without a kind of its own is served through TF Serving's API alone.
      Optional<ModelKind> kind = ModelKinds.find(m);
      slots.put(m, new ModelSlot<>(m, (name, version, dir) -> {
        ServedVersion v = kind.isPresent() ? kind.get().load(dir, savedModels) : ServedVersion.of(savedModels.load(dir));
        return new LoadedModel<>(name, version, v, v);
      }));
      for (Endpoint e : kind.map(k -> k.endpoints(o.config())).orElse(List.of())) {
        Endpoint before = endpoints.putIfAbsent(e.path(), e);
        if (before != null) {
          throw new IllegalStateException("Two endpoints at " + e.path() + ": " + before.getClass().getName()
              + " and " + e.getClass().getName());
        }
      }
    }
    this.watcher = new RegistryWatcher(LocalRegistry.modelsRoot(warehouse), new ArrayList<>(slots.values()));
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

  public ModelSlot<ServedVersion> slot(String name) {
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
  String endpoint(String rawPath) {
    if (rawPath == null) {
      return "other";
    }
    switch (rawPath) {
      case "/healthz": return "healthz";
      case "/metrics": return "metrics";
      default:
        Endpoint e = endpoints.get(rawPath);
        if (e != null) {
          return e.label();
        }
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
    Endpoint endpoint = endpoints.get(path);
    if (endpoint != null) {
      requireMethod(method, endpoint.method());
      String rawQuery = ex.getRequestURI().getRawQuery();
      if (endpoint.method().equals("POST")) {
        return withJson(ex, deadline, body -> ok(endpoint.answer(new ModelRequest(this, body, rawQuery, deadline))));
      }
      return ok(endpoint.answer(new ModelRequest(this, null, rawQuery, deadline)));
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
          try (ModelSlot.Lease<ServedVersion> l = lease(name, version)) {
            return ok(savedModel(name, l).predict(request, limits, () -> deadline.check("before running the model")));
          }
        });
      }
      requireMethod(method, "GET");
      if (what.equals("/metadata")) {
        try (ModelSlot.Lease<ServedVersion> l = lease(name, version)) {
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
    throw HttpError.notFound("No endpoint " + path + "; see /healthz, /metrics, /v1/models/NAME[:predict|/metadata]"
        + endpoints.values().stream().map(e -> ", " + e.usage()).collect(java.util.stream.Collectors.joining()));
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
  private ModelSlot.Lease<ServedVersion> lease(String name, Long version) {
    ModelSlot.Lease<ServedVersion> l = lease(name);
    if (version != null && l.version() != version) {
      long served = l.version();
      l.close();
      throw HttpError.notFound("Model '" + name + "' version " + version + " is not loaded; this service serves version "
          + served + " (the registry's current)");
    }
    return l;
  }

  private ModelSlot.Lease<ServedVersion> lease(String name) {
    ModelSlot<ServedVersion> slot = slots.get(name);
    if (slot == null) {
      throw HttpError.notFound("Unknown model '" + name + "'; this service serves " + slots.keySet());
    }
    return slot.acquire().orElseThrow(() -> new HttpError(503, "Model '" + name + "' has no loaded version yet"
        + (slot.lastFailure() == null ? " (nothing published: no models/" + name + "/aliases/current)"
            : "; the last one failed to load: " + slot.lastFailure())));
  }

  private static SavedModelServable savedModel(String name, ModelSlot.Lease<ServedVersion> l) {
    return l.model().savedModel().orElseThrow(() ->
        HttpError.notFound("Model '" + name + "' has no SavedModel (see its own endpoint)"));
  }

  /** One request as a model kind's endpoint sees it. */
  private record ModelRequest(ServingService service, JsonNode body, String rawQuery, Deadline deadline)
      implements Request {
    @Override
    public String query(String name) {
      return HttpInput.queryParam(rawQuery, name);
    }

    @Override
    public void check(String stage) {
      deadline.check(stage);
    }

    @Override
    public int maxInstances() {
      return service.options.maxInstances();
    }

    @Override
    public Optional<FeatureStore> featureStore() {
      return Optional.ofNullable(service.store);
    }

    @Override
    public <T extends ServedVersion> Request.Lease<T> lease(String model, Class<T> type) {
      ModelSlot.Lease<ServedVersion> l = service.lease(model);
      if (!type.isInstance(l.model())) {
        l.close();
        throw new IllegalStateException("Model '" + model + "' is served as " + l.model().getClass().getName()
            + ", expected " + type.getName());
      }
      return new Leased<>(type.cast(l.model()), l);
    }
  }

  /** An endpoint's hold on the version its request leased. */
  private record Leased<T>(T served, ModelSlot.Lease<ServedVersion> slotLease) implements Request.Lease<T> {
    @Override
    public long version() {
      return slotLease.version();
    }

    @Override
    public void close() {
      slotLease.close();
    }
  }

  // ---------------------------------------------------------------- endpoints

  private JsonNode modelStatus(String name) {
    ModelSlot<ServedVersion> slot = slots.get(name);
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
    for (ModelSlot<ServedVersion> s : slots.values()) {
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
}
