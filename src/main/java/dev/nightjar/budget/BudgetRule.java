package dev.nightjar.budget;

/**
 * The recommendation rule, in plain Java so the job (through a Spark UDF) and the benchmark (on
 * the true response) apply exactly the same one.
 *
 * <p>Sales objective: among the candidate budgets whose chance of sales reaches {@code minChance},
 * the one with the highest chance per unit of budget (the cheapest way to a good chance); when
 * none reaches it, the one with the highest chance. Ties go to the smaller budget. Lookalike
 * objective: the budget that buys the missing audience at the shop's cost per visitor, capped by
 * the top of its range.
 */
public final class BudgetRule {
  private BudgetRule() {}

  /** {@code points} budgets spaced evenly in log scale from {@code low} to {@code high}. */
  public static double[] grid(double low, double high, int points) {
    if (!(low > 0) || !(high >= low) || points < 1) {
      throw new IllegalArgumentException(
          "expected 0 < low <= high and points >= 1, found " + low + ", " + high + ", " + points);
    }
    double[] g = new double[points];
    for (int k = 0; k < points; k++) {
      g[k] = points == 1 ? low : low * Math.pow(high / low, (double) k / (points - 1));
    }
    return g;
  }

  /** The index of the chosen candidate (see the class comment), or -1 when there is none. */
  public static int choose(double[] budgets, double[] chances, double minChance) {
    if (budgets.length != chances.length) {
      throw new IllegalArgumentException(
          "expected as many chances as budgets, found " + chances.length + " and " + budgets.length);
    }
    int best = -1;
    boolean bestReaches = false;
    double bestKey = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < budgets.length; k++) {
      double p = chances[k];
      if (Double.isNaN(p)) {
        continue;
      }
      boolean reaches = p >= minChance;
      double key = reaches ? p / budgets[k] : p;
      boolean better;
      if (best < 0 || reaches != bestReaches) {
        better = best < 0 || reaches;
      } else {
        better = key > bestKey || (key == bestKey && budgets[k] < budgets[best]);
      }
      if (better) {
        best = k;
        bestReaches = reaches;
        bestKey = key;
      }
    }
    return best;
  }

  /**
   * The lookalike budget: {@code (minAudience - visitors)} new visitors at {@code costPerVisitor},
   * capped by {@code high}; 0 when the audience is already large enough.
   */
  public static double lookalikeBudget(double visitors, double minAudience, double costPerVisitor, double high) {
    double need = Math.max(0, minAudience - visitors);
    return Math.min(need * costPerVisitor, high);
  }
}
