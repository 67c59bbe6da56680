package dev.nightjar.serving;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Collection;

/**
 * The service's metrics in a registry of the Prometheus Java client, written by {@code GET
 * /metrics} in the Prometheus text format: requests and their latency by endpoint and status,
 * the version each model serves, and per model the versions swapped in and those that failed to
 * load. Endpoints are a fixed set of names (never a path or a model name a client sent), so a
 * hostile client cannot grow the number of series.
 */
final class ServingMetrics {
  static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;
  /** Latency buckets in seconds: the goals are in milliseconds (p99 5 ms quiet, 20 ms under attack). */
  private static final double[] BUCKETS = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Counter requests;
  private final Histogram latency;

  ServingMetrics(Collection<? extends ModelSlot<?>> slots) {
    requests = Counter.builder().name("nightjar_serving_requests_total")
        .help("Requests answered, by endpoint and HTTP status").labelNames("endpoint", "status")
        .withoutExemplars().register(registry);
    latency = Histogram.builder().name("nightjar_serving_request_duration_seconds")
        .help("Time from reading a request to writing its answer, by endpoint and HTTP status")
        .labelNames("endpoint", "status").classicOnly().classicUpperBounds(BUCKETS)
        .withoutExemplars().register(registry);
    GaugeWithCallback.builder().name("nightjar_serving_model_version")
        .help("The registry version each model serves (absent while none is loaded)").labelNames("model")
        .callback(cb -> slots.forEach(s -> s.version().ifPresent(v -> cb.call(v, s.name()))))
        .register(registry);
    CounterWithCallback.builder().name("nightjar_serving_model_swaps_total")
        .help("Versions loaded and swapped in, by model (the first load counts)").labelNames("model")
        .callback(cb -> slots.forEach(s -> cb.call(s.swaps(), s.name())))
        .register(registry);
    CounterWithCallback.builder().name("nightjar_serving_model_load_failures_total")
        .help("Versions that failed to load and were skipped, by model").labelNames("model")
        .callback(cb -> slots.forEach(s -> cb.call(s.loadFailures(), s.name())))
        .register(registry);
  }

  void observe(String endpoint, int status, long nanos) {
    String s = Integer.toString(status);
    requests.labelValues(endpoint, s).inc();
    latency.labelValues(endpoint, s).observe(nanos / 1e9);
  }

  byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new IllegalStateException("Writing to memory cannot fail", e);
    }
    return out.toByteArray();
  }
}
