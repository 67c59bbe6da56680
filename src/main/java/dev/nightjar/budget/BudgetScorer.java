package dev.nightjar.budget;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * The budget SavedModel ({@link BudgetSavedModel}) loaded with tensorflow-java. Thread-safe.
 * A row is a {@code budget_features} row as a map from column name to value ({@link
 * BudgetSavedModel#FEATURES}, {@code country}, {@code main_category}) plus the candidate {@code
 * budget}; {@code null} (or a missing key) is allowed for the nullable {@code past_*} means and
 * rates and for the two strings.
 */
public final class BudgetScorer implements AutoCloseable {
  /** Columns that may be null (sent as NaN). */
  private static final Set<String> NULLABLE = Set.of("past_budget_ln_mean", "past_success_rate", "past_cpv_ln_mean");

  private final SavedModelBundle bundle;
  private final Session session;
  private final Signature main;
  private final Signature cpv;

  /** One row's outputs: the range band, the chance of sales at the row's budget, the cost per visitor. */
  public record Prediction(double rangeLow, double rangeHigh, double chanceOfSales, double costPerVisitor) {}

  private BudgetScorer(SavedModelBundle bundle) {
    this.bundle = bundle;
    this.session = bundle.session();
    this.main = bundle.function(Signature.DEFAULT_KEY).signature();
    this.cpv = bundle.function(BudgetSavedModel.CPV_SIGNATURE).signature();
  }

  /**
   * A scorer over an already loaded bundle (the serving service loads each version once, with its
   * own session options, for this scorer and the generic TF Serving API); closing it closes the bundle.
   */
  public static BudgetScorer of(SavedModelBundle bundle) {
    return new BudgetScorer(bundle);
  }

  public static BudgetScorer load(Path savedModelDir) {
    if (!Files.isRegularFile(savedModelDir.resolve("saved_model.pb"))) {
      throw new IllegalArgumentException("Expected a SavedModel in " + savedModelDir + ", found no saved_model.pb");
    }
    return new BudgetScorer(SavedModelBundle.load(savedModelDir.toString(), SavedModelBundle.DEFAULT_TAG));
  }

  public List<Prediction> predict(List<? extends Map<String, ?>> rows) {
    int n = rows.size();
    if (n == 0) {
      return List.of();
    }
    List<String> floats = new ArrayList<>(BudgetSavedModel.FEATURES);
    floats.add(BudgetSavedModel.BUDGET);
    List<Tensor> inputs = new ArrayList<>();
    try {
      Session.Runner r = session.runner();
      for (String c : floats) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = number(rows.get(i), c);
        }
        TFloat32 t = TFloat32.vectorOf(v);
        inputs.add(t);
        r.feed(main.getInputs().get(c).name, t);
      }
      for (String c : List.of(BudgetSavedModel.COUNTRY, BudgetSavedModel.MAIN_CATEGORY)) {
        String[] v = new String[n];
        for (int i = 0; i < n; i++) {
          Object o = rows.get(i).get(c);
          v[i] = o == null ? "" : o.toString();
        }
        TString t = TString.vectorOf(v);
        inputs.add(t);
        r.feed(cpv.getInputs().get(c).name, t);
      }
      r.fetch(main.getOutputs().get(BudgetSavedModel.RANGE_LOW).name)
          .fetch(main.getOutputs().get(BudgetSavedModel.RANGE_HIGH).name)
          .fetch(main.getOutputs().get(BudgetSavedModel.CHANCE_OF_SALES).name)
          .fetch(cpv.getOutputs().get(BudgetSavedModel.COST_PER_VISITOR).name);
      try (Result res = r.run()) {
        TFloat32 low = (TFloat32) res.get(0);
        TFloat32 high = (TFloat32) res.get(1);
        TFloat32 p = (TFloat32) res.get(2);
        TFloat32 cost = (TFloat32) res.get(3);
        List<Prediction> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          out.add(new Prediction(low.getFloat(i), high.getFloat(i), p.getFloat(i), cost.getFloat(i)));
        }
        return out;
      }
    } finally {
      inputs.forEach(Tensor::close);
    }
  }

  /** The chance of sales of one shop's row at each candidate budget. */
  public double[] chances(Map<String, ?> row, double[] budgets) {
    List<Map<String, Object>> rows = new ArrayList<>(budgets.length);
    for (double b : budgets) {
      Map<String, Object> m = new java.util.HashMap<>(row);
      m.put(BudgetSavedModel.BUDGET, b);
      rows.add(m);
    }
    List<Prediction> p = predict(rows);
    double[] out = new double[budgets.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = p.get(i).chanceOfSales();
    }
    return out;
  }

  private static float number(Map<String, ?> row, String column) {
    Object o = row.get(column);
    if (o == null) {
      if (NULLABLE.contains(column)) {
        return Float.NaN;
      }
      throw new IllegalArgumentException("Expected a number in column " + column + " of the budget features row, found "
          + (row.containsKey(column) ? "null" : "no such column (columns: " + row.keySet() + ")"));
    }
    if (o instanceof Number x) {
      return x.floatValue();
    }
    throw new IllegalArgumentException("Expected a number in column " + column + ", found " + o.getClass().getSimpleName()
        + " " + o);
  }

  @Override
  public void close() {
    bundle.close();
  }
}
