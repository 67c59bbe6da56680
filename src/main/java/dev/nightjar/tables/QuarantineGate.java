package dev.nightjar.tables;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * The one way a job admits its inputs: each triaged input (rows with a {@value
 * Quarantine#REASON} column, null when good, and {@value Quarantine#RAW}) is persisted, counted in
 * one pass and checked against its allowed bad-row share before anything is written (a failed run
 * changes nothing); the job takes the good rows, then {@link #writeRejects} writes the rejects of
 * every input in one replace of the job's quarantine partition. {@link #close} releases the cache:
 * open it in a try-with-resources.
 */
public final class QuarantineGate implements AutoCloseable {
  private final String job;
  private final List<Dataset<Row>> held = new ArrayList<>();
  private final List<Passed> passed = new ArrayList<>();

  /** A gate for the inputs of {@code job} (the name in the quarantine table and the messages). */
  public QuarantineGate(String job) {
    this.job = job;
  }

  /**
   * One input through the gate: its good and rejected rows, its counts, and the extra aggregates
   * computed in the counting pass (in the order given).
   */
  public record Passed(String input, Dataset<Row> good, Dataset<Row> rejected, long total, long rejectedCount,
      Row extras) {}

  /**
   * Persists {@code triaged} (MEMORY_AND_DISK), counts its rows and rejects in one pass with
   * {@code extraAggregates} computed in the same pass, and fails (a {@link
   * dev.nightjar.common.JobFailedException}) when more than {@code maxShare} of it was refused.
   *
   * @param input the input's name, for the messages
   */
  public Passed pass(String input, Dataset<Row> triaged, double maxShare, Column... extraAggregates) {
    Dataset<Row> rows = hold(triaged);
    Column[] aggs = new Column[1 + extraAggregates.length];
    aggs[0] = functions.count(functions.col(Quarantine.REASON));
    System.arraycopy(extraAggregates, 0, aggs, 1, extraAggregates.length);
    Row counts = rows.agg(functions.count(functions.lit(1)), aggs).first();
    Object[] extras = new Object[extraAggregates.length];
    for (int i = 0; i < extras.length; i++) {
      extras[i] = counts.get(2 + i);
    }
    return admit(input, rows, counts.getLong(0), counts.getLong(1), maxShare, RowFactory.create(extras));
  }

  /**
   * {@link #pass} for an input the caller persisted and counted in its own pass: {@code total}
   * input rows of which {@code rejectedCount} refused (e.g. a fold whose good rows stand for many
   * input rows). The caller keeps it cached and releases it.
   */
  public Passed passCounted(String input, Dataset<Row> triaged, long total, long rejectedCount, double maxShare) {
    return admit(input, triaged, total, rejectedCount, maxShare, RowFactory.create());
  }

  private Dataset<Row> hold(Dataset<Row> triaged) {
    // Registered before it is counted, so that close releases it even when the count fails.
    Dataset<Row> rows = triaged.persist(StorageLevel.MEMORY_AND_DISK());
    held.add(rows);
    return rows;
  }

  private Passed admit(String input, Dataset<Row> rows, long total, long rejectedCount, double maxShare, Row extras) {
    Column reason = functions.col(Quarantine.REASON);
    Dataset<Row> rejected = rows.where(reason.isNotNull()).select(Quarantine.REASON, Quarantine.RAW);
    Quarantine.checkShare(job, input, total, rejected, rejectedCount, maxShare);
    Passed p = new Passed(input, rows.where(reason.isNull()), rejected, total, rejectedCount, extras);
    passed.add(p);
    return p;
  }

  /**
   * Writes the rejects of every input that passed, in one replace of this job's quarantine
   * partition for {@code ds} (a rerun replaces them). Returns the rows written.
   */
  public long writeRejects(Warehouse warehouse, LocalDate ds) {
    Dataset<Row> all = null;
    for (Passed p : passed) {
      all = all == null ? p.rejected() : all.unionByName(p.rejected());
    }
    if (all == null) {
      throw new IllegalStateException(job + ": no input passed the quarantine gate, nothing to write");
    }
    return Quarantine.write(warehouse, job, ds, all);
  }

  /** Releases the cached inputs. */
  @Override
  public void close() {
    for (Dataset<Row> rows : held) {
      rows.unpersist();
    }
    held.clear();
    passed.clear();
  }
}
