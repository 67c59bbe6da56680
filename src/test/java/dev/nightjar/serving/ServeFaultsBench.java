package dev.nightjar.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.category.CategoryKind;
import dev.nightjar.category.KeslerModel;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.model.ServedVersion;
import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.testing.BenchSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * {@code jobs/bench serve-faults}: the serving service on loopback under faults. For {@code
 * --seconds} (60), {@code --clients} (8) send the product of {@link ServeBench} to {@code
 * /v1/categorize} over keep-alive connections while {@code --hostile} (2) clients send the largest
 * requests the limits accept and requests over every limit (bodies over the size, deep nesting,
 * long strings, too many products, instances or values, NaN, invalid UTF-8), a new category
 * version is published at a third of the run and a broken one (truncated {@code saved_model.pb})
 * at two thirds. First the normal traffic runs alone ({@code --seconds} / 6, at least 5 s) as the
 * machine's baseline. Prints one line: normal clients' p99 and errors (and against the baseline), hostile requests answered and
 * refused, swaps, skipped broken versions, 5xx answers and requests left unanswered. Goals: normal
 * p99 <= 20 ms, no error, no 5xx, nothing lost. Loopback only; bounded by {@code --seconds}
 * and {@code --max-requests} per client.
 */
public final class ServeFaultsBench implements Job {
  static final double GOAL_P99_MS = 20;

  @Override
  public String name() {
    return "bench-serve-faults";
  }

  @Override
  public String description() {
    return "serving under hostile clients, a hot swap and a broken version (goal normal p99 <= 20 ms, no errors, no 5xx)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("seconds", "N", "length of the run", "60"),
        OptionSpec.value("clients", "N", "normal clients", "8"),
        OptionSpec.value("hostile", "N", "hostile clients", "2"),
        OptionSpec.value("max-requests", "N", "requests per client at most", "1000000"),
        OptionSpec.value("num-features", "N", "hashed features of the synthetic models", "4194304"),
        OptionSpec.value("work", "DIR", "scratch directory", "target/bench/serve-faults"));
  }

  /** Hostile requests: the largest the limits accept, and over each limit. */
  static List<byte[]> hostileRequests(int maxInstances, int maxValues) throws IOException {
    ObjectMapper json = new ObjectMapper();
    StringBuilder words = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      words.append("zq").append(Integer.toString(i, 36).replaceAll("[0-9]", "")).append(i % 7).append(' ');
    }
    List<Map<String, Object>> maxProducts = new ArrayList<>();
    for (int i = 0; i < maxInstances; i++) {
      maxProducts.add(Map.of("title", words.substring(i * 100, i * 100 + 5000), "description", words.substring(0, 2000)));
    }
    List<List<String>> widest = new ArrayList<>();
    for (int i = 0; i < maxInstances; i++) {
      List<String> t = new ArrayList<>();
      for (int j = 0; j < maxValues; j++) {
        t.add("t" + i + "_" + j);
      }
      widest.add(t);
    }
    List<String> tooWide = new ArrayList<>();
    for (int j = 0; j < 20_000; j++) {
      tooWide.add("w" + j);
    }
    List<byte[]> out = new ArrayList<>();
    String c = "/v1/categorize";
    String p = "/v1/models/category:predict";
    out.add(post(c, json.writeValueAsString(Map.of("title", words.toString()))));
    out.add(post(c, json.writeValueAsString(Map.of("products", maxProducts))));
    out.add(post(c, json.writeValueAsString(Map.of("products", java.util.Collections.nCopies(maxInstances + 1, Map.of("title", "x"))))));
    out.add(post(p, json.writeValueAsString(Map.of("instances", widest))));
    out.add(post(p, json.writeValueAsString(Map.of("instances", List.of(tooWide)))));
    out.add(post(c, "{\"title\": \"" + "a".repeat(200_000) + "\"}"));
    out.add(post(c, "{\"title\": \"" + "a ".repeat(600_000) + "\"}"));
    out.add(post(c, "[".repeat(500_000)));
    out.add(post(c, "{\"products\": [" + "{\"title\": \"x\"},".repeat(20_000) + "{\"title\": \"x\"}]}"));
    out.add(post(p, "{\"instances\": [" + "[\"a\"],".repeat(100_000) + "[\"a\"]]}"));
    out.add(post(c, "{\"title\": NaN}"));
    out.add(ServingFuzzTest.request(("POST " + c + " HTTP/1.1\r\nHost: x\r\n\r\n{\"title\": \"\u00ff\u00fe\"}")
        .getBytes(StandardCharsets.ISO_8859_1)));
    out.add(post("/v1/models/..%2Fcategory:predict", "{}"));
    return out;
  }

  private static byte[] post(String path, String body) {
    return ServingFuzzTest.request(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n" + body)
        .getBytes(StandardCharsets.UTF_8));
  }

  static void export(Path warehouse, long version, int numFeatures, long seed) throws Exception {
    Random r = new Random(seed);
    float[] w = new float[numFeatures];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() * 0.5);
    }
    KeslerModel m = new KeslerModel("bench" + seed, Taxonomy.builtin(), w, Map.of()).setMinConfidence(0.3);
    ServingFixtures.publish(warehouse, CategoryKind.NAME, version, d -> ServingFixtures.categoryVersion(m, d));
  }

  @Override
  public JobResult run(JobContext context) {
    long seconds = BenchSupport.longOption(context, "seconds", 60);
    int clients = (int) BenchSupport.longOption(context, "clients", 8);
    int hostile = (int) BenchSupport.longOption(context, "hostile", 2);
    long maxRequests = BenchSupport.longOption(context, "max-requests", 1_000_000);
    int numFeatures = (int) BenchSupport.longOption(context, "num-features", 1 << 22);
    Path work = BenchSupport.workDir(context, "serve-faults");
    try {
      Path warehouse = work.resolve("warehouse");
      context.stage("export synthetic category versions 1 and 2 (builtin taxonomy, " + numFeatures + " features)");
      export(warehouse, 1, numFeatures, 1);
      // Version 2 is exported aside now and published (renamed in) during the run.
      Path staged = work.resolve("staged");
      export(staged, 2, numFeatures, 2);
      Map<String, String> sets = new LinkedHashMap<>();
      sets.put("serving.port", "0");
      sets.put("serving.host", "127.0.0.1");
      sets.put("serving.models", "[category]");
      sets.put("serving.poll-interval-ms", "250");
      ServeBench.tensorflowSettings(context, sets);
      sets.put("serving.access-log", "\"" + work.resolve("access.log") + "\"");
      ServingService.Options o = ServingService.Options.from(Settings.load(new java.io.File("/nonexistent"), null, sets));
      byte[] product = new ObjectMapper().writeValueAsBytes(ServeBench.PRODUCT);
      List<byte[]> attacks = hostileRequests(o.maxInstances(), o.maxValuesPerInstance());
      try (ServingService service = ServingService.start(o, warehouse, Optional.empty())) {
        ModelSlot<ServedVersion> slot = service.slot(CategoryKind.NAME);
        context.stage("warm up");
        ThreadLocal<ServeBench.Client> conn = ThreadLocal.withInitial(() -> new ServeBench.Client(service.port()));
        ServeBench.run(() -> conn.get().post("/v1/categorize", product), clients, 3, Long.MAX_VALUE);
        long swapsBefore = slot.swaps();
        // What each hostile request costs alone (stderr): the largest accepted ones bound the harm.
        StringBuilder costs = new StringBuilder();
        for (int i = 0; i < attacks.size(); i++) {
          long t0 = System.nanoTime();
          int status = ServingFuzzTest.send(service.port(), attacks.get(i)).status();
          costs.append(String.format(Locale.ROOT, " #%d:%d/%.1fms", i, status, (System.nanoTime() - t0) / 1e6));
        }
        context.stage("hostile requests alone (status/time):" + costs);

        // The same normal traffic alone first: the machine's own latency, to read the figures against.
        long baseSeconds = Math.max(5, seconds / 6);
        context.stage(clients + " normal clients alone for " + baseSeconds + " s (baseline)");
        ServeBench.Stats base = ServeBench.run(() -> conn.get().post("/v1/categorize", product), clients, baseSeconds,
            maxRequests * clients);

        context.stage(clients + " normal and " + hostile + " hostile clients for " + seconds + " s, a swap and a broken version");
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        AtomicLong normalErrors = new AtomicLong();
        AtomicLong lost = new AtomicLong();
        AtomicLong fiveXx = new AtomicLong();
        AtomicLong hostileSent = new AtomicLong();
        AtomicLong hostileRejected = new AtomicLong();
        AtomicLong hostileAccepted = new AtomicLong();
        long[][] lat = new long[clients][];
        int[] counts = new int[clients];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < clients; t++) {
          int id = t;
          lat[t] = new long[1 << 16];
          threads.add(new Thread(() -> {
            ServeBench.Client client = new ServeBench.Client(service.port());
            for (long n = 0; n < maxRequests && System.nanoTime() < end; n++) {
              long t0 = System.nanoTime();
              try {
                ServeBench.Client.Answer a = client.send("/v1/categorize", product);
                if (a.status() != 200) {
                  normalErrors.incrementAndGet();
                  if (a.status() >= 500) {
                    fiveXx.incrementAndGet();
                  }
                }
              } catch (IOException e) {
                lost.incrementAndGet();
                normalErrors.incrementAndGet();
                client = new ServeBench.Client(service.port());
              }
              if (counts[id] == lat[id].length) {
                lat[id] = Arrays.copyOf(lat[id], lat[id].length * 2);
              }
              lat[id][counts[id]++] = System.nanoTime() - t0;
            }
          }, "normal-" + t));
        }
        for (int t = 0; t < hostile; t++) {
          int offset = t;
          threads.add(new Thread(() -> {
            for (long n = 0; n < maxRequests && System.nanoTime() < end; n++) {
              byte[] req = attacks.get((int) ((n + offset) % attacks.size()));
              hostileSent.incrementAndGet();
              try {
                int status = ServingFuzzTest.send(service.port(), req).status();
                if (status >= 500) {
                  fiveXx.incrementAndGet();
                } else if (status >= 400) {
                  hostileRejected.incrementAndGet();
                } else {
                  hostileAccepted.incrementAndGet();
                }
              } catch (IOException e) {
                // The server may close a refused upload's connection before reading all of it.
                hostileRejected.incrementAndGet();
              }
            }
          }, "hostile-" + t));
        }
        threads.forEach(Thread::start);
        Thread.sleep(seconds * 1000 / 3);
        Files.move(staged.resolve("models/category/2"), warehouse.resolve("models/category/2"));
        ServingFixtures.setAlias(warehouse, CategoryKind.NAME, "current", 2);
        Thread.sleep(seconds * 1000 / 3);
        Path broken = warehouse.resolve("models/category/.tmp-broken");
        Files.createDirectories(broken);
        try (var files = Files.list(warehouse.resolve("models/category/2"))) {
          for (Path f : files.toList()) {
            if (Files.isRegularFile(f)) {
              Files.copy(f, broken.resolve(f.getFileName()));
            }
          }
        }
        byte[] pb = Files.readAllBytes(broken.resolve("saved_model.pb"));
        Files.write(broken.resolve("saved_model.pb"), Arrays.copyOf(pb, pb.length / 2));
        Files.move(broken, warehouse.resolve("models/category/3"));
        ServingFixtures.setAlias(warehouse, CategoryKind.NAME, "current", 3);
        for (Thread t : threads) {
          t.join();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        ServeBench.Stats normal = ServeBench.stats(lat, counts, normalErrors.get(), secs);
        double p99 = normal.percentileMs(0.99);
        double p50 = normal.percentileMs(0.5);
        long swaps = slot.swaps() - swapsBefore;
        long brokenSkipped = slot.loadFailures();
        boolean met = p99 <= GOAL_P99_MS && normalErrors.get() == 0 && fiveXx.get() == 0 && lost.get() == 0
            && swaps == 1 && brokenSkipped == 1 && slot.version().orElse(-1) == 2;
        System.out.println(String.format(Locale.ROOT,
            "BENCH serve-faults normal_p99_ms=%.3f normal_p50_ms=%.3f normal_requests=%d normal_rps=%.0f normal_errors=%d"
                + " baseline_p99_ms=%.3f baseline_rps=%.0f p99_vs_baseline=%.2f"
                + " hostile_sent=%d hostile_rejected=%d hostile_accepted=%d swaps=%d broken_skipped=%d served_version=%d"
                + " 5xx=%d lost_requests=%d seconds=%.1f clients=%d hostile_clients=%d goal_p99_ms=%.0f goal_met=%s",
            p99, p50, normal.calls(), normal.rps(), normalErrors.get(), base.percentileMs(0.99), base.rps(),
            p99 / base.percentileMs(0.99), hostileSent.get(), hostileRejected.get(),
            hostileAccepted.get(), swaps, brokenSkipped, slot.version().orElse(-1), fiveXx.get(), lost.get(), secs,
            clients, hostile, GOAL_P99_MS, met));
      }
      return JobResult.builder(name()).metric("bench", "serve-faults").build();
    } catch (Exception e) {
      throw new IllegalStateException("bench serve-faults failed: " + e, e);
    }
  }
}
