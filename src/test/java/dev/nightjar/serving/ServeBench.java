package dev.nightjar.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.registry.ModelRegistry;
import dev.nightjar.registry.LocalRegistry;
import dev.nightjar.category.CategoryKind;
import dev.nightjar.category.CategoryScorer;
import dev.nightjar.category.CategoryServed;
import dev.nightjar.category.KeslerModel;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.featurestore.FeatureStore;
import dev.nightjar.model.ServedVersion;
import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.testing.BenchSupport;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code jobs/bench serve}: the serving service in-process on a loopback port with a category
 * SavedModel of the production shape (the built-in 122-category taxonomy, 2^22 hashed features,
 * random weights: the graph's cost does not depend on the values), or the current category
 * version of {@code --warehouse}'s registry. Measures {@code POST /v1/categorize} for one product
 * (one client: p50/p99 latency; 8 clients over keep-alive connections: throughput and latency
 * under load) and the same for an in-process {@link CategoryScorer#predict} call on the
 * product's terms. Bounded in time by {@code --requests} and {@code --seconds}. Goals: p99 <= 5
 * ms, >= 2,000 requests/s on 2 cores.
 */
public final class ServeBench implements Job {
  static final double GOAL_P99_MS = 5;
  static final double GOAL_RPS = 2000;

  @Override
  public String name() {
    return "bench-serve";
  }

  @Override
  public String description() {
    return "serving: /v1/categorize latency and throughput over loopback, and the SavedModel in-process (goals p99 <= 5 ms, >= 2,000 req/s)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("requests", "N", "sequential requests of the latency runs", "5000"),
        OptionSpec.value("seconds", "N", "length of each 8-client throughput run", "10"),
        OptionSpec.value("clients", "N", "concurrent clients of the throughput runs", "8"),
        OptionSpec.value("server-threads", "N", "request threads of the service (serving.threads)", "8"),
        OptionSpec.value("num-features", "N", "hashed features of the synthetic model", "4194304"),
        OptionSpec.value("work", "DIR", "scratch directory", "target/bench/serve"));
  }

  /** One product as a shop would send it. */
  static final Map<String, Object> PRODUCT = product();

  private static Map<String, Object> product() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("product_id", "bench-1");
    p.put("title", "Men's Trail Running Shoes &amp; Lightweight Breathable Mesh Sneakers, Size 10");
    p.put("description", "<p>Built for <b>rocky trails</b> and city miles alike: a cushioned EVA midsole, a grippy"
        + " rubber outsole with 4mm lugs, and a breathable knit upper that dries fast. Reflective heel tab for early"
        + " runs. See https://example.com/size-guide for sizing.</p><ul><li>Weight: 280 g</li><li>Drop: 8 mm</li></ul>");
    p.put("collection", "Running");
    p.put("tags", List.of("shoes", "running", "trail", "men"));
    p.put("vendor", "Acme Outdoor");
    p.put("product_type", "Footwear");
    return p;
  }

  @Override
  public JobResult run(JobContext context) {
    long requests = BenchSupport.longOption(context, "requests", 5000);
    long seconds = BenchSupport.longOption(context, "seconds", 10);
    int clients = (int) BenchSupport.longOption(context, "clients", 8);
    int numFeatures = (int) BenchSupport.longOption(context, "num-features", 1 << 22);
    int serverThreads = (int) BenchSupport.longOption(context, "server-threads", 8);
    Path work = BenchSupport.workDir(context, "serve");
    try {
      Path warehouse = work.resolve("warehouse");
      String model;
      if (context.config().hasPath("warehouse.root") && LocalRegistry.alias(
          LocalRegistry.modelsRoot(FeatureStore.localDir(Settings.string(context.config(), "warehouse.root"))),
          CategoryKind.NAME, ModelRegistry.CURRENT).isPresent()) {
        warehouse = FeatureStore.localDir(Settings.string(context.config(), "warehouse.root"));
        model = "registry";
      } else {
        context.stage("export a synthetic category model (builtin taxonomy, " + numFeatures + " features)");
        Random r = new Random(1);
        float[] w = new float[numFeatures];
        for (int i = 0; i < w.length; i++) {
          w[i] = (float) (r.nextGaussian() * 0.5);
        }
        KeslerModel m = new KeslerModel("bench", Taxonomy.builtin(), w, Map.of()).setMinConfidence(0.3);
        ServingFixtures.publish(warehouse, CategoryKind.NAME, 1, d -> ServingFixtures.categoryVersion(m, d));
        model = "synthetic";
      }
      Map<String, String> sets = new LinkedHashMap<>();
      sets.put("serving.port", "0");
      sets.put("serving.host", "127.0.0.1");
      sets.put("serving.models", "[category]");
      sets.put("serving.threads", Integer.toString(serverThreads));
      tensorflowSettings(context, sets);
      // Measured with its access log on, to a file (stderr would drown the BENCH lines).
      sets.put("serving.access-log", "\"" + work.resolve("access.log") + "\"");
      ServingService.Options o = ServingService.Options.from(Settings.load(new java.io.File("/nonexistent"), null, sets));
      byte[] body = new ObjectMapper().writeValueAsBytes(PRODUCT);
      List<String> terms = dev.nightjar.text.Featurization.defaults().terms(fields());
      List<String> lines = new ArrayList<>();
      context.stage("start the service and warm up");
      try (ServingService service = ServingService.start(o, warehouse, Optional.empty())) {
        String version = Long.toString(service.slot(CategoryKind.NAME).version().orElseThrow());
        String tags = "model=" + model + " version=" + version + " terms=" + terms.size() + " server_threads=" + serverThreads
            + " tf_inter_op=" + o.tfInterOpThreads();
        ThreadLocal<Client> conn = ThreadLocal.withInitial(() -> new Client(service.port()));
        Call categorize = () -> conn.get().post("/v1/categorize", body);
        // Warm up the JIT and TensorFlow on both paths.
        run(categorize, clients, 3, Long.MAX_VALUE);
        try (ModelSlot.Lease<ServedVersion> lease = service.slot(CategoryKind.NAME).acquire().orElseThrow()) {
          CategoryScorer scorer = ((CategoryServed) lease.model()).scorer();
          List<List<String>> one = List.of(terms);
          Call inProcess = () -> scorer.predict(one);
          run(inProcess, clients, 2, Long.MAX_VALUE);

          context.stage("/v1/categorize: " + requests + " sequential requests");
          lines.add(line("/v1/categorize", "latency", 1, run(categorize, 1, Long.MAX_VALUE, requests), tags));
          context.stage("/v1/categorize: " + clients + " clients for " + seconds + " s");
          lines.add(line("/v1/categorize", "throughput", clients, run(categorize, clients, seconds, Long.MAX_VALUE), tags));
          context.stage("in-process SavedModel: " + requests + " sequential calls");
          lines.add(line("savedmodel-in-process", "latency", 1, run(inProcess, 1, Long.MAX_VALUE, requests), tags));
          context.stage("in-process SavedModel: " + clients + " threads for " + seconds + " s");
          lines.add(line("savedmodel-in-process", "throughput", clients, run(inProcess, clients, seconds, Long.MAX_VALUE), tags));
        }
      }
      lines.forEach(System.out::println);
      return JobResult.builder(name()).metric("bench", "serve").build();
    } catch (Exception e) {
      throw new IllegalStateException("bench serve failed: " + e, e);
    }
  }

  /** The session settings of the bench's configuration ({@code --set serving.tensorflow.*=...}), to compare them. */
  static void tensorflowSettings(JobContext context, Map<String, String> sets) {
    for (String k : List.of("inter-op-threads", "intra-op-threads", "large-values")) {
      sets.put("serving.tensorflow." + k, context.config().getValue("serving.tensorflow." + k).render());
    }
  }

  private static List<String> fields() {
    List<String> v = new ArrayList<>();
    for (String f : dev.nightjar.text.ProductText.FIELDS) {
      Object x = PRODUCT.get(f);
      v.add(x instanceof List<?> l ? String.join(", ", l.stream().map(Object::toString).toList()) : (String) x);
    }
    return v;
  }

  interface Call {
    void call() throws Exception;
  }

  record Stats(long calls, long errors, double seconds, long[] nanos) {
    double rps() {
      return calls / seconds;
    }

    double percentileMs(double q) {
      if (nanos.length == 0) {
        return Double.NaN;
      }
      return nanos[Math.min(nanos.length - 1, (int) Math.ceil(q * nanos.length) - 1)] / 1e6;
    }

    double meanMs() {
      return Arrays.stream(nanos).average().orElse(Double.NaN) / 1e6;
    }
  }

  /** {@code threads} callers until {@code seconds} pass or {@code total} calls are made. */
  static Stats run(Call call, int threads, long seconds, long total) throws InterruptedException {
    long end = seconds == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + seconds * 1_000_000_000L;
    AtomicLong issued = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long[][] per = new long[threads][];
    int[] counts = new int[threads];
    Thread[] ts = new Thread[threads];
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      int id = t;
      per[t] = new long[1 << 16];
      ts[t] = new Thread(() -> {
        while (System.nanoTime() < end && issued.incrementAndGet() <= total) {
          long t0 = System.nanoTime();
          try {
            call.call();
          } catch (Exception e) {
            errors.incrementAndGet();
          }
          long d = System.nanoTime() - t0;
          if (counts[id] == per[id].length) {
            per[id] = Arrays.copyOf(per[id], per[id].length * 2);
          }
          per[id][counts[id]++] = d;
        }
      });
      ts[t].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    return stats(per, counts, errors.get(), (System.nanoTime() - start) / 1e9);
  }

  /** The latencies of every thread ({@code per[t][0 .. counts[t])}) together, sorted. */
  static Stats stats(long[][] per, int[] counts, long errors, double seconds) {
    long[] all = new long[Arrays.stream(counts).sum()];
    int k = 0;
    for (int t = 0; t < per.length; t++) {
      System.arraycopy(per[t], 0, all, k, counts[t]);
      k += counts[t];
    }
    Arrays.sort(all);
    return new Stats(all.length, errors, seconds, all);
  }

  static String line(String endpoint, String mode, int clients, Stats s, String tags) {
    // The goals: p99 latency of one client's requests, requests/s of 8 clients (whose latency is
    // then about clients / throughput by Little's law, shown but not a goal).
    boolean latency = mode.equals("latency");
    boolean met = latency ? s.percentileMs(0.99) <= GOAL_P99_MS : s.rps() >= GOAL_RPS;
    return String.format(Locale.ROOT,
        "BENCH serve endpoint=%s mode=%s clients=%d requests=%d errors=%d seconds=%.1f rps=%.0f p50_ms=%.3f p99_ms=%.3f"
            + " mean_ms=%.3f %s goal_met=%s %s",
        endpoint, mode, clients, s.calls(), s.errors(), s.seconds(), s.rps(), s.percentileMs(0.5), s.percentileMs(0.99),
        s.meanMs(), latency ? String.format(Locale.ROOT, "goal_p99_ms=%.0f", GOAL_P99_MS)
            : String.format(Locale.ROOT, "goal_rps=%.0f", GOAL_RPS),
        s.errors() == 0 && met, tags);
  }

  /**
   * A minimal HTTP/1.1 keep-alive client on one socket (one request at a time, the whole request
   * in one write): the JDK's clients cost more CPU than the service on a 2-core machine.
   */
  static final class Client {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    Client(int port) {
      try {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    /** A status and its body. */
    record Answer(int status, byte[] body) {}

    /** POSTs {@code body}; a status other than 200 is an IOException. */
    byte[] post(String path, byte[] body) throws IOException {
      Answer a = send(path, body);
      if (a.status() != 200) {
        throw new IOException("Expected 200, found " + a.status());
      }
      return a.body();
    }

    /** POSTs {@code body} and reads the answer, whatever its status. */
    Answer send(String path, byte[] body) throws IOException {
      byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      byte[] req = Arrays.copyOf(head, head.length + body.length);
      System.arraycopy(body, 0, req, head.length, body.length);
      out.write(req);
      out.flush();
      String status = readLine();
      if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
        throw new IOException("Expected an HTTP/1.1 status line, found " + status);
      }
      int length = -1;
      for (String h; !(h = readLine()).isEmpty(); ) {
        int c = h.indexOf(':');
        if (c > 0 && h.substring(0, c).equalsIgnoreCase("Content-Length")) {
          length = Integer.parseInt(h.substring(c + 1).trim());
        }
      }
      if (length < 0) {
        throw new IOException("Expected a Content-Length");
      }
      return new Answer(Integer.parseInt(status.substring(9, 12)), in.readNBytes(length));
    }

    private String readLine() throws IOException {
      StringBuilder sb = new StringBuilder();
      for (int c; (c = in.read()) != '\n'; ) {
        if (c < 0) {
          throw new IOException("Connection closed");
        }
        if (c != '\r') {
          sb.append((char) c);
        }
      }
      return sb.toString();
    }
  }
}
