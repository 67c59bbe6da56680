package dev.nightjar.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.testing.Jobs;
import org.junit.jupiter.api.Test;

/** Command-line errors: a clear message naming what was wrong, and status 2, before any data. */
class MainTest {
  @Test
  void helpListsJobsAndBenchmarks() {
    Jobs.Outcome o = Jobs.main("--help");
    assertEquals(0, o.status());
    assertTrue(o.out().contains("featurize"), o.out());
    assertTrue(o.out().contains("generate-sample"), o.out());
  }

  @Test
  void jobHelpShowsDefaults() {
    Jobs.Outcome o = Jobs.main("featurize", "--help");
    assertEquals(0, o.status());
    assertTrue(o.out().contains("--num-features N"), o.out());
    assertTrue(o.out().contains("default 262144; key featurize.num-features"), o.out());
    assertTrue(o.out().contains("--warehouse DIR_OR_URI"), o.out());
  }

  @Test
  void unknownJob() { // see also CommandLineHelpTest
    Jobs.Outcome o = Jobs.main("featurise");
    assertEquals(2, o.status());
    assertEquals("nightjar: Unknown job 'featurise'; did you mean featurize? (see: jobs/run --help for the list)\n", o.err());
  }

  @Test
  void unknownOption() {
    Jobs.Outcome o = Jobs.main("featurize", "--num-feature", "8");
    assertEquals(2, o.status());
    assertTrue(o.err().contains("Unknown option --num-feature for job featurize"), o.err());
  }

  @Test
  void badValues() {
    assertEquals("nightjar: Cannot set --date to 2026-13-01: expected YYYY-MM-DD\n",
        Jobs.main("featurize", "--date", "2026-13-01").err());
    Jobs.Outcome o = Jobs.main("featurize", "--num-features", "1");
    assertEquals(2, o.status());
    assertEquals("nightjar: Cannot set featurize.num-features to 1: expected an integer in [2, 1073741824]\n", o.err());
    Jobs.Outcome s = Jobs.main("featurize", "--set", "featurize.nope=1");
    assertEquals(2, s.status());
    assertTrue(s.err().contains("Cannot set featurize.nope to 1: unknown configuration key"), s.err());
    assertEquals(2, Jobs.main("featurize", "--set", "novalue").status());
    assertEquals(2, Jobs.main("featurize", "--input").status());
    assertEquals(2, Jobs.main("export", "--output", "x.jsonl").status());
  }
}
