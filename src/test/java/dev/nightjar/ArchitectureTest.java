package dev.nightjar;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.nightjar.common.Job;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layers, as the compiled classes' dependencies draw them. Data and imports flow one way:
 *
 * <pre>
 *   top          workflow, report, sample, Main        (entry points; may use anything below)
 *   generic      publish, serving, parity               (loops over model kinds; know no model)
 *   model folders category, budget, search              (one folder per model; no generic layer)
 *   foundations  common, tables, taxonomy, text, evaluation, registry, featurestore, savedmodel,
 *                http, model                            (no upward import)
 * </pre>
 *
 * Plus: no package cycle, nothing outside {@code sample} uses the sample world, and a job class
 * (an entry point) is used by no other package.
 */
class ArchitectureTest {
  static final String[] FOUNDATIONS = packages("common", "tables", "taxonomy", "text", "evaluation", "registry",
      "featurestore", "savedmodel", "http", "model");
  static final String[] MODELS = packages("category", "budget", "search");
  static final String[] GENERIC = packages("publish", "serving", "parity");
  static final String[] TOP = packages("workflow", "report", "sample");

  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.nightjar");

  private static String[] packages(String... names) {
    return Arrays.stream(names).map(n -> "dev.nightjar." + n + "..").toArray(String[]::new);
  }

  private static String[] concat(String[]... groups) {
    return Arrays.stream(groups).flatMap(Stream::of).toArray(String[]::new);
  }

  static final ArchRule NO_CYCLES = slices().matching("dev.nightjar.(*)..").should().beFreeOfCycles();

  static final ArchRule FOUNDATIONS_IMPORT_NOTHING_ABOVE = noClasses().that().resideInAnyPackage(FOUNDATIONS)
      .should().dependOnClassesThat().resideInAnyPackage(concat(MODELS, GENERIC, TOP))
      .orShould().dependOnClassesThat().resideInAPackage("dev.nightjar")
      .because("foundations are shared by every model and layer, so they know none of them");

  static final ArchRule MODELS_IMPORT_NO_GENERIC_LAYER = noClasses().that().resideInAnyPackage(MODELS)
      .should().dependOnClassesThat().resideInAnyPackage(concat(GENERIC, TOP))
      .because("a model folder plugs into publish, serving and parity through dev.nightjar.model, never their insides");

  static final ArchRule GENERIC_LAYERS_KNOW_NO_MODEL = noClasses().that().resideInAnyPackage(GENERIC)
      .should().dependOnClassesThat().resideInAnyPackage(concat(MODELS, TOP))
      .because("publish, serving and parity loop over the ModelKinds the ServiceLoader finds");

  static final ArchRule ONLY_SAMPLE_USES_SAMPLE = noClasses().that().resideOutsideOfPackage("dev.nightjar.sample..")
      .should().dependOnClassesThat().resideInAPackage("dev.nightjar.sample..")
      .because("the sample world is generated on request, never part of a job's logic");

  static final ArchRule JOBS_ARE_ENTRY_POINTS = noClasses().should(useAJobOfAnotherPackage())
      .because("a job class is an entry point, never a library: shared logic lives in a plain class both call");

  private static ArchCondition<JavaClass> useAJobOfAnotherPackage() {
    return new ArchCondition<>("use a job class of another package") {
      @Override
      public void check(JavaClass item, ConditionEvents events) {
        for (Dependency d : item.getDirectDependenciesFromSelf()) {
          JavaClass target = d.getTargetClass();
          if (target.isAssignableTo(Job.class) && !target.isInterface()
              && !target.getPackageName().equals(item.getPackageName())) {
            events.add(SimpleConditionEvent.satisfied(d, d.getDescription()));
          }
        }
      }
    };
  }

  @Test
  void noPackageCycle() {
    NO_CYCLES.check(MAIN);
  }

  @Test
  void foundationsImportNoModelFolderAndNoLayerAbove() {
    FOUNDATIONS_IMPORT_NOTHING_ABOVE.check(MAIN);
  }

  @Test
  void modelFoldersImportNoPublishServingOrParity() {
    MODELS_IMPORT_NO_GENERIC_LAYER.check(MAIN);
  }

  @Test
  void publishServingAndParityImportNoModelFolder() {
    GENERIC_LAYERS_KNOW_NO_MODEL.check(MAIN);
  }

  @Test
  void nothingOutsideSampleUsesTheSampleWorld() {
    ONLY_SAMPLE_USES_SAMPLE.check(MAIN);
  }

  @Test
  void noJobClassIsUsedByAnotherPackage() {
    JOBS_ARE_ENTRY_POINTS.check(MAIN);
  }

  @Test
  void theRulesCatchViolations() {
    // Test-scope classes that break two rules on purpose: the rules must say so, naming them.
    JavaClasses bad = new ClassFileImporter().importClasses(
        dev.nightjar.category.ArchitectureViolations.UsesSample.class,
        dev.nightjar.category.ArchitectureViolations.UsesAnotherPackagesJob.class,
        dev.nightjar.sample.GenerateSampleJob.class, dev.nightjar.text.FeaturizeJob.class, Job.class);
    AssertionError sample = assertThrows(AssertionError.class, () -> ONLY_SAMPLE_USES_SAMPLE.check(bad));
    assertTrue(sample.getMessage().contains("ArchitectureViolations$UsesSample"), sample.getMessage());
    AssertionError job = assertThrows(AssertionError.class, () -> JOBS_ARE_ENTRY_POINTS.check(bad));
    assertTrue(job.getMessage().contains("ArchitectureViolations$UsesAnotherPackagesJob")
        && job.getMessage().contains("FeaturizeJob"), job.getMessage());
  }
}
