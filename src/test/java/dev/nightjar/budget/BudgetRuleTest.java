package dev.nightjar.budget;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BudgetRuleTest {
  @Test
  void gridIsEvenInLogScale() {
    assertArrayEquals(new double[] {10, 20, 40}, BudgetRule.grid(10, 40, 3), 1e-9);
    assertArrayEquals(new double[] {5}, BudgetRule.grid(5, 5, 1), 1e-9);
  }

  @Test
  void picksTheHighestChancePerUnitOfBudgetAmongThoseReachingTheMinimum() {
    double[] b = {10, 20, 40, 80};
    // 0.55/20 = 0.0275 beats 0.7/40 = 0.0175 and 0.8/80 = 0.01; 10 does not reach 0.5.
    assertEquals(1, BudgetRule.choose(b, new double[] {0.40, 0.55, 0.70, 0.80}, 0.5));
    // Increasing returns: 40 gives the most chance per unit.
    assertEquals(2, BudgetRule.choose(b, new double[] {0.05, 0.12, 0.60, 0.90}, 0.1));
  }

  @Test
  void fallsBackToTheHighestChanceWhenNoneReachesTheMinimum() {
    double[] b = {10, 20, 40};
    assertEquals(2, BudgetRule.choose(b, new double[] {0.1, 0.2, 0.3}, 0.5));
    // Ties go to the smaller budget.
    assertEquals(1, BudgetRule.choose(b, new double[] {0.1, 0.3, 0.3}, 0.5));
    assertEquals(-1, BudgetRule.choose(new double[0], new double[0], 0.5));
  }

  @Test
  void lookalikeBuysTheMissingAudienceCappedByTheRange() {
    // 1000 - 600 = 400 visitors at 0.25 each = 100, under the cap of 150.
    assertEquals(100.0, BudgetRule.lookalikeBudget(600, 1000, 0.25, 150), 1e-9);
    // 400 visitors at 0.5 = 200, capped at 150.
    assertEquals(150.0, BudgetRule.lookalikeBudget(600, 1000, 0.5, 150), 1e-9);
    assertEquals(0.0, BudgetRule.lookalikeBudget(1200, 1000, 0.5, 150), 1e-9);
  }
}
