package dev.nightjar.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.budget.BudgetFeaturesJob;
import dev.nightjar.budget.BudgetModels;
import dev.nightjar.budget.BudgetSavedModel;
import dev.nightjar.budget.TrainBudgetJob;
import dev.nightjar.category.CategoryData;
import dev.nightjar.category.CategorySavedModel;
import dev.nightjar.category.KeslerModel;
import dev.nightjar.category.PredictCategoryJob;
import dev.nightjar.category.TrainCategoryJob;
import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.JobResult;
import dev.nightjar.sample.GenerateSampleJob;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training/serving parity on the generated sample: 10,000 products through predict-category and
 * through the exported SavedModel (tensorflow-java), and the budget models on budget_features.
 */
class ParityTest {
  static final LocalDate DS = LocalDate.of(2026, 6, 30);
  @TempDir static Path shared;
  static Path wh;

  @BeforeAll
  static void trainAndPredict() {
    SharedSpark.get();
    wh = shared.resolve("wh");
    JobResult g = Jobs.runApi(new GenerateSampleJob(), wh, DS, Map.of("sample.products", "10400",
        "sample.budget.shops", "600", "sample.budget.days", "40"), Map.of());
    assertEquals(ExitCodes.OK, g.exitCode(), g.toString());
    Jobs.runApi(new dev.nightjar.text.FeaturizeJob(), wh, DS, Map.of(), Map.of());
    JobResult t = Jobs.runApi(new TrainCategoryJob(), wh, DS, Map.of("category.train.num-features", "262144",
        "category.train.epochs", "3", "category.holdout-share", "0"), Map.of());
    assertEquals(ExitCodes.OK, t.exitCode(), t.toString());
    JobResult p = Jobs.runApi(new PredictCategoryJob(), wh, DS, Map.of(), Map.of());
    assertTrue(p.rowsWritten().get(PredictCategoryJob.OUTPUT) >= 10_000, p.toString());
    Jobs.runApi(new BudgetFeaturesJob(), wh, DS, Map.of(), Map.of());
    // Blessed or not (exit 3), the models are saved: parity does not depend on the verdict.
    JobResult b = Jobs.runApi(new TrainBudgetJob(), wh, DS, Map.of(), Map.of());
    assertTrue(b.exitCode() == ExitCodes.OK || b.exitCode() == ExitCodes.NOT_BLESSED, b.toString());
  }

  @Test
  void savedModelsPredictWhatSparkPredicts() {
    JobResult r = Jobs.runApi(new ParityJob(), wh, DS, Map.of(), Map.of());
    assertEquals(ExitCodes.OK, r.exitCode(), r.toString());
    assertEquals(10_000L, r.metrics().get("category.rows"), r.toString());
    assertEquals(0L, r.metrics().get("category.mismatches"), r.toString());
    assertTrue((Long) r.metrics().get("budget.rows") > 1000, r.toString());
    assertEquals(0L, r.metrics().get("budget.mismatches"), r.toString());
    assertEquals("ok", r.metrics().get("parity"));
  }

  @Test
  void cliRunAgainstExportedDirectoriesAndAFailingPair(@TempDir Path dir) throws Exception {
    Warehouse w = new Warehouse(SharedSpark.get(), wh.toString());
    String modelDir = CategoryData.latestModel(w, DS.toString());
    // predict-category's defaults: no confidence stop, beam width 2.
    KeslerModel model = KeslerModel.load(modelDir).setMinConfidence(0.0).setBeamWidth(2);
    CategorySavedModel.export(model, dir.resolve("category/1"));
    BudgetSavedModel.export(BudgetModels.dir(w, DS), dir.resolve("budget/1"));
    Jobs.Outcome ok = Jobs.main("parity", "--warehouse", wh.toString(), "--date", DS.toString(), "--rows", "2000",
        "--category-saved-model", dir.resolve("category/1").toString(),
        "--budget-saved-model", dir.resolve("budget/1").toString());
    assertEquals(0, ok.status(), ok.err());
    assertTrue(ok.out().contains("category.rows=2000") && ok.out().contains("category.mismatches=0")
        && ok.out().contains("budget.mismatches=0"), ok.out());

    // A SavedModel exported with another confidence stop does not match predict-category's table.
    CategorySavedModel.export(KeslerModel.load(modelDir).setMinConfidence(0.95).setBeamWidth(2), dir.resolve("strict/1"));
    Map<String, String> sets = new LinkedHashMap<>();
    sets.put("parity.check", "category");
    sets.put("parity.rows", "2000");
    sets.put("parity.category.saved-model", dir.resolve("strict/1").toString());
    JobResult bad = Jobs.runApi(new ParityJob(), wh, DS, sets, Map.of());
    assertEquals(ExitCodes.FAILED, bad.exitCode(), bad.toString());
    assertTrue((Long) bad.metrics().get("category.mismatches") > 0, bad.toString());
    assertEquals("failed", bad.metrics().get("parity"));

    Jobs.Outcome usage = Jobs.main("parity", "--warehouse", wh.toString(), "--check", "everything");
    assertEquals(2, usage.status(), usage.err());
    assertTrue(usage.err().contains("Cannot set parity.check to everything"), usage.err());
  }
}
