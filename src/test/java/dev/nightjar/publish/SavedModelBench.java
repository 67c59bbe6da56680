package dev.nightjar.publish;

import dev.nightjar.category.CategorySavedModel;
import dev.nightjar.category.CategoryScorer;
import dev.nightjar.category.KeslerModel;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.sample.ProductGenerator;
import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.testing.BenchSupport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code jobs/bench savedmodel}: the category SavedModel called in process through {@link
 * CategoryScorer} (no network): latency of one product per call (p50, p99), throughput with 8
 * threads each sending one product per call, and products per second in large batches. The
 * model is a trained one ({@code --model DIR}) or, by default, a model over the built-in taxonomy
 * with random weights and {@code 2^22} features (the latency does not depend on the weights'
 * values); products come from the sample generator. Bounded by {@code --seconds} (default 30).
 */
public final class SavedModelBench implements Job {
  @Override
  public String name() {
    return "bench-savedmodel";
  }

  @Override
  public String description() {
    return "in-process CategoryScorer: p50/p99 of one product, 8-thread throughput, batch products/s (goals p99 <= 5 ms, >= 2000/s)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("model", "DIR", "a trained category model directory (local)", "random weights, built-in taxonomy"),
        OptionSpec.value("seconds", "N", "total time budget", "30"),
        OptionSpec.value("threads", "N", "concurrent callers", "8"),
        OptionSpec.value("batch", "N", "products per call in the batch phase", "1000"));
  }

  @Override
  public JobResult run(JobContext context) {
    long seconds = BenchSupport.longOption(context, "seconds", 30);
    int threads = (int) BenchSupport.longOption(context, "threads", 8);
    int batch = (int) BenchSupport.longOption(context, "batch", 1000);
    KeslerModel model = model(context.option("model").orElse(null));
    ProductGenerator gen = new ProductGenerator(model.taxonomy(), 42, 0.0);
    List<List<String>> products = new ArrayList<>();
    int terms = 0;
    for (int i = 0; products.size() < 5000; i++) {
      ProductGenerator.Product p = gen.generate(i);
      List<String> fields = Arrays.asList(p.title(), p.description(), p.collection(), p.tags(), p.vendor(), p.productType());
      fields.replaceAll(f -> f == null ? "" : f);
      List<String> t = dev.nightjar.text.Featurization.defaults().terms(fields);
      terms += t.size();
      products.add(t);
    }
    Path dir = BenchSupport.workDir(context, "savedmodel").resolve("category/1");
    long t0 = System.nanoTime();
    try {
      CategorySavedModel.export(model, dir);
    } catch (IOException e) {
      throw new JobFailedException("Cannot export to " + dir + ": " + e.getMessage(), e);
    }
    double exportS = BenchSupport.seconds(t0);
    JobResult.Builder result = JobResult.builder(name());
    try (CategoryScorer scorer = CategoryScorer.load(dir)) {
      long phase = seconds * 1_000_000_000L / 4;
      // Warm-up (first calls allocate and plan), then one caller.
      loop(scorer, products, 0, phase / 4, 1);
      long[] single = loop(scorer, products, 0, phase, 1);
      // Java's own predict on the same products, for reference.
      long[] plain = new long[4096];
      for (int i = 0; i < plain.length; i++) {
        long s = System.nanoTime();
        model.predict(products.get(i % products.size()));
        plain[i] = System.nanoTime() - s;
      }
      Arrays.sort(plain);
      System.out.printf(Locale.ROOT,
          "BENCH savedmodel single calls=%d p50_ms=%s p99_ms=%s java_predict_p50_ms=%s mean_terms=%s export_s=%s features=%d%n",
          single.length, ms(pct(single, 0.50)), ms(pct(single, 0.99)), ms(pct(plain, 0.50)),
          BenchSupport.fmt((double) terms / products.size()), BenchSupport.fmt(exportS), model.numFeatures());
      result.metric("single_p50_ms", ms(pct(single, 0.50))).metric("single_p99_ms", ms(pct(single, 0.99)));

      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        long start = System.nanoTime();
        List<Future<long[]>> fs = new ArrayList<>();
        for (int k = 0; k < threads; k++) {
          int offset = k * 613;
          fs.add(pool.submit(() -> loop(scorer, products, offset, phase, 1)));
        }
        List<long[]> all = new ArrayList<>();
        for (Future<long[]> f : fs) {
          all.add(f.get());
        }
        double wall = BenchSupport.seconds(start);
        long[] merged = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        double rps = merged.length / wall;
        System.out.printf(Locale.ROOT, "BENCH savedmodel threads=%d calls=%d requests_per_s=%s p50_ms=%s p99_ms=%s%n",
            threads, merged.length, BenchSupport.fmt(rps), ms(pct(merged, 0.50)), ms(pct(merged, 0.99)));
        result.metric("threads_requests_per_s", BenchSupport.fmt(rps));
      } catch (Exception e) {
        throw new JobFailedException("Concurrent calls failed: " + e, e);
      } finally {
        pool.shutdownNow();
      }

      long start = System.nanoTime();
      long[] calls = loop(scorer, products, 0, phase, batch);
      double wall = BenchSupport.seconds(start);
      double pps = (double) calls.length * batch / wall;
      System.out.printf(Locale.ROOT, "BENCH savedmodel batch=%d calls=%d products_per_s=%s p50_ms=%s%n",
          batch, calls.length, BenchSupport.fmt(pps), ms(pct(calls, 0.50)));
      result.metric("batch_products_per_s", BenchSupport.fmt(pps));
    }
    return result.build();
  }

  /** Calls {@code predict} with {@code size} products at a time for {@code nanos}; each call's duration. */
  private static long[] loop(CategoryScorer scorer, List<List<String>> products, int offset, long nanos, int size) {
    long[] out = new long[1024];
    int n = 0;
    long end = System.nanoTime() + nanos;
    int i = offset;
    while (System.nanoTime() < end || n == 0) {
      List<List<String>> call = new ArrayList<>(size);
      for (int k = 0; k < size; k++) {
        call.add(products.get(i++ % products.size()));
      }
      long s = System.nanoTime();
      scorer.predict(call);
      if (n == out.length) {
        out = Arrays.copyOf(out, n * 2);
      }
      out[n++] = System.nanoTime() - s;
    }
    long[] r = Arrays.copyOf(out, n);
    Arrays.sort(r);
    return r;
  }

  private static long pct(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
  }

  private static KeslerModel model(String dir) {
    if (dir != null) {
      try {
        var fs = org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration());
        return KeslerModel.loadFrom(fs, new org.apache.hadoop.fs.Path(dir));
      } catch (IOException e) {
        throw new JobFailedException("Cannot load category model " + dir + ": " + e.getMessage(), e);
      }
    }
    SplittableRandom r = new SplittableRandom(5);
    float[] w = new float[1 << 22];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextDouble() - 0.5);
    }
    return new KeslerModel("bench", Taxonomy.builtin(), w, Map.of());
  }
}
