package dev.nightjar.category;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One product of the tiny taxonomy A > C > E, trained by hand-checkable AdaGrad steps. */
class KeslerTrainerTest {
  private static final int NF = 1 << 20;
  private static final List<String> TERMS = List.of("red", "shoe");

  private static float[] train(boolean hinge, int epochs) {
    KeslerTrainer t = new KeslerTrainer(KeslerExpansionTest.T,
        new KeslerTrainer.Settings(NF, KeslerExpansion.Mode.SIBLINGS, 0, 1.0, 0.0, 7L, false, hinge));
    float[] model = KeslerTrainer.newModel(NF);
    KeslerTrainer.Example e = new KeslerTrainer.Example(KeslerExpansionTest.T.byId(5).index(), 1f, TERMS, 11L);
    for (int ep = 0; ep < epochs; ep++) {
      t.epoch(model, List.of(e).iterator(), ep, false);
    }
    return model;
  }

  @Test
  void firstHingeStepMovesEachTouchedWeightByTheLearningRate() {
    float[] model = train(true, 1);
    float v = KeslerFeatures.valueOf(2);
    // From zero every row has margin 0 < 1: gradient -y * x, AdaGrad step lr * x / sqrt(x^2 + 1e-8).
    float up = (float) (1.0 * v / Math.sqrt(v * v + 1e-8f));
    assertEquals(up, model[2 * KeslerFeatures.index(KeslerExpansionTest.T, 5, false, "red", NF)], 1e-7);
    assertEquals(-up, model[2 * KeslerFeatures.index(KeslerExpansionTest.T, 4, false, "red", NF)], 1e-7);
    float bias = (float) (1.0 / Math.sqrt(1 + 1e-8f));
    assertEquals(bias, model[2 * KeslerFeatures.index(KeslerExpansionTest.T, 1, false, KeslerFeatures.BIAS, NF)], 1e-7);
    assertEquals(-bias, model[2 * KeslerFeatures.index(KeslerExpansionTest.T, 6, false, KeslerFeatures.BIAS, NF)], 1e-7);
  }

  @Test
  void hingeLeavesRowsBeyondTheMarginAloneLogisticKeepsPushing() {
    // After one epoch every decision is right by a margin of at least 1: the hinge has nothing left to learn.
    assertArrayEquals(train(true, 1), train(true, 2));
    assertFalse(Arrays.equals(train(false, 1), train(false, 2)));
  }

  @Test
  void marginCountsCountEachDecisionOnceByLabel() {
    KeslerTrainer t = new KeslerTrainer(KeslerExpansionTest.T,
        new KeslerTrainer.Settings(NF, KeslerExpansion.Mode.SIBLINGS, 0, 1.0, 0.0, 7L, false, true));
    float[] model = train(true, 1);
    long[] counts = t.marginCounts(model, List.of(
        new KeslerTrainer.Example(KeslerExpansionTest.T.byId(5).index(), 1f, TERMS, 11L)).iterator());
    long pos = 0;
    long neg = 0;
    for (int i = 0; i < Calibration.BINS; i++) {
      neg += counts[2 * i];
      pos += counts[2 * i + 1];
    }
    // A > C > E: root's children A, F; below A: B, C and A's stop; below C: D, E and C's stop.
    assertEquals(3, pos);
    assertEquals(5, neg);
  }
}
