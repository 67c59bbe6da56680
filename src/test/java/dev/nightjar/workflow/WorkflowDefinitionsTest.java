package dev.nightjar.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** workflows/nightly against Oozie's XSDs, and job.properties against what the definitions use. */
class WorkflowDefinitionsTest {
  private static final Path DIR = Path.of("workflows/nightly");
  /** EL operators, literals and Oozie's EL constants: not parameters. */
  private static final Set<String> EL_WORDS =
      Set.of("eq", "ne", "lt", "gt", "le", "ge", "and", "or", "not", "empty", "true", "false", "null",
          "MINUTES", "HOURS", "DAYS", "YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "KB", "MB", "GB");

  @Test
  void workflowIsValidAgainstOozieSchemas() throws IOException {
    assertEquals(List.of(), OozieSchemas.workflowErrors(Files.readString(DIR.resolve("workflow.xml"))));
  }

  @Test
  void coordinatorIsValidAgainstOozieSchemas() throws IOException {
    assertEquals(List.of(), OozieSchemas.coordinatorErrors(Files.readString(DIR.resolve("coordinator.xml"))));
  }

  @Test
  void schemasRejectAnInvalidSparkAction() throws IOException {
    // The action body is checked too: a Spark action without its required <master> is refused.
    String broken =
        Files.readString(DIR.resolve("workflow.xml")).replaceFirst("<master>\\$\\{sparkMaster}</master>", "");
    List<String> errors = OozieSchemas.workflowErrors(broken);
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).contains("mode"), errors.get(0));
  }

  @Test
  void schemasRejectAnUnknownCoordinatorElement() throws IOException {
    String broken =
        Files.readString(DIR.resolve("coordinator.xml")).replace("<concurrency>1</concurrency>", "<parallel>1</parallel>");
    List<String> errors = OozieSchemas.coordinatorErrors(broken);
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).contains("parallel"), errors.get(0));
  }

  @Test
  void jobPropertiesDefinesEveryParameterTheDefinitionsUse() throws IOException {
    Properties props = new Properties();
    props.load(new StringReader(Files.readString(DIR.resolve("job.properties"))));
    Set<String> used = new TreeSet<>();
    used.addAll(parameters(Files.readString(DIR.resolve("workflow.xml"))));
    used.addAll(parameters(Files.readString(DIR.resolve("coordinator.xml"))));
    used.addAll(parameters(String.join("\n", props.stringPropertyNames().stream().map(props::getProperty).toList())));
    Set<String> missing = new TreeSet<>(used);
    missing.removeAll(props.stringPropertyNames());
    assertEquals(Set.of(), missing);
    // Exactly the ones the definitions need, and the ones the local runner sets.
    assertTrue(used.containsAll(Set.of("ds", "warehouse", "jobJar", "sparkMaster", "trainCategory", "nightlyHour",
        "slaContact", "inputRoot", "workflowPath")), used.toString());
  }

  /** Parameter names inside ${...} expressions: identifiers that are not functions or EL words. */
  static Set<String> parameters(String text) {
    Set<String> names = new TreeSet<>();
    Matcher el = Pattern.compile("\\$\\{([^}]*)}").matcher(text);
    while (el.find()) {
      Matcher conf = Pattern.compile("wf:conf\\('([^']*)'\\)").matcher(el.group(1));
      while (conf.find()) {
        names.add(conf.group(1));
      }
      String expr = el.group(1).replaceAll("'[^']*'", "''");
      Matcher id = Pattern.compile("(?<![\\w:.])([A-Za-z_][\\w.]*)(?![\\w:(])").matcher(expr);
      while (id.find()) {
        if (!EL_WORDS.contains(id.group(1))) {
          names.add(id.group(1));
        }
      }
    }
    return names;
  }
}
