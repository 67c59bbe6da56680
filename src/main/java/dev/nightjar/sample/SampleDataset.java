package dev.nightjar.sample;

import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.tables.Warehouse;

/**
 * A part of the synthetic world that {@code generate-sample} writes after the taxonomy and the
 * products (search logs, shops, campaigns...). Each area registers its own in {@code
 * META-INF/services/dev.nightjar.sample.SampleDataset}, so the generator job never needs editing.
 */
public interface SampleDataset {
  /** Short name for logs, e.g. {@code search-log}. */
  String name();

  /** Writes this dataset's tables, recording their row counts in {@code result}. */
  void write(JobContext context, SampleWorld world, Warehouse warehouse, JobResult.Builder result);
}
