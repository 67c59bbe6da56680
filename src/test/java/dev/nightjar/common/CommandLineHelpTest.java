package dev.nightjar.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.testing.Jobs;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Discoverability: "did you mean", `jobs/run config`, help without empty headings, output formats. */
class CommandLineHelpTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void nearestNameIsSuggestedOnlyWhenClose() {
    assertEquals(Optional.of("featurize"), Suggest.nearest("featurise", List.of("export", "featurize", "show")));
    assertEquals(Optional.of("category"), Suggest.nearest("categry", List.of("budget", "broad_query", "category")));
    assertEquals(Optional.empty(), Suggest.nearest("zzzzzz", List.of("budget", "category")));
    assertEquals(3, Suggest.distance("kitten", "sitting"));
  }

  @Test
  void misspelledJobOptionCommandAndKeySuggestTheNearestName() {
    Jobs.Outcome job = Jobs.main("featurise");
    assertEquals(2, job.status());
    assertEquals("nightjar: Unknown job 'featurise'; did you mean featurize? (see: jobs/run --help for the list)\n", job.err());
    Jobs.Outcome option = Jobs.main("featurize", "--num-feature", "8");
    assertEquals(2, option.status());
    assertEquals("nightjar: Unknown option --num-feature for job featurize; did you mean --num-features? "
        + "(see: jobs/run featurize --help)\n", option.err());
    Jobs.Outcome command = Jobs.main("models", "lst");
    assertEquals(2, command.status());
    assertEquals("nightjar: Unknown command 'lst' for job models: expected one of list, show, promote, rollback, alias, "
        + "diff; did you mean list? (see: jobs/run models --help)\n", command.err());
    Jobs.Outcome key = Jobs.main("featurize", "--set", "featurize.num-featurs=8");
    assertEquals(2, key.status());
    assertEquals("nightjar: Cannot set featurize.num-featurs to 8: unknown configuration key; did you mean "
        + "featurize.num-features? (see: jobs/run config)\n", key.err());
  }

  @Test
  void helpHasNoEmptyBenchmarksHeading() {
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    java.io.PrintStream out = new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8);
    // The job jar has no benchmarks (they live on the test classpath): its help has no heading for them.
    dev.nightjar.Main.printJobs(dev.nightjar.Main.jobs().stream().filter(j -> !j.isBenchmark()).toList(), out);
    String help = buf.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertFalse(help.contains("Benchmarks"), help);
    assertTrue(help.contains("  sql ") && help.contains("  config "), help);
    // With benchmarks on the classpath (the tests', jobs/bench) they are listed under the heading.
    Jobs.Outcome all = Jobs.main("--help");
    assertTrue(all.out().matches("(?s).*Benchmarks \\(jobs/bench NAME\\):\n  \\S+.*"), all.out());
  }

  @Test
  void configListsKeysWithTypeDefaultCurrentAndComment() throws Exception {
    Jobs.Outcome o = Jobs.main("config", "featurize.num", "--set", "featurize.num-features=1024", "--json");
    assertEquals(0, o.status(), o.err());
    JsonNode rows = JSON.readTree(o.out());
    assertEquals(1, rows.size(), o.out());
    JsonNode r = rows.get(0);
    assertEquals("featurize.num-features", r.get("key").asText());
    assertEquals("int", r.get("type").asText());
    assertEquals(262144, r.get("default").asInt());
    assertEquals(1024, r.get("current").asInt());
    assertTrue(r.get("comment").asText().startsWith("Length of the hashed term-frequency vector"), r.toString());
    assertEquals("", o.err());

    Jobs.Outcome table = Jobs.main("config", "quarantine");
    assertEquals("key                   type    default  current  comment\n"
        + "--------------------  ------  -------  -------  " + "-".repeat(r("quarantine").length()) + "\n"
        + "quarantine.max-share  number  0.05     =        " + r("quarantine") + "\n", table.out());

    Jobs.Outcome typo = Jobs.main("config", "entropy.treshold");
    assertEquals(2, typo.status());
    assertEquals("nightjar: No configuration key starts with 'entropy.treshold'; did you mean entropy.threshold? "
        + "(jobs/run config lists them all)\n", typo.err());
  }

  private static String r(String prefix) {
    return "A job fails (writing nothing) when more than this share of its input rows is bad.";
  }

  @Test
  void numbersPrintReadably() {
    assertEquals("200", Output.number(200.0));
    assertEquals("0.8123", Output.number(0.8123456789012345));
    assertEquals("1234.57", Output.number(1234.5678));
    assertEquals("1.2346e-05", Output.number(0.0000123456));
    assertEquals("a   bb   n\n--  --  --\nx   y    7\nzz      12\n",
        new Output.Table("a", "bb", "n").add("x", "y", 7).add("zz", null, 12.0).render());
    assertEquals("\"a,b\"", Output.csv("a,b"));
    assertEquals("\"say \"\"hi\"\"\"", Output.csv("say \"hi\""));
  }
}
