package dev.nightjar.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every case of the bad-input corpus (src/test/resources/bad-inputs, see {@link BadInputCorpus})
 * through the job's command line: quarantined with the expected reason and no good row lost, or a
 * clear error naming the file (and line), never a bare stack trace.
 */
class BadInputCorpusTest {
  @TempDir static Path work;

  @TestFactory
  Stream<DynamicTest> everyCaseIsHandled() {
    List<String> names = BadInputCorpus.caseNames();
    assertTrue(names.size() >= 15, "corpus cases: " + names);
    return names.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
      BadInputCorpus.Result r = BadInputCorpus.run(name, work);
      assertEquals(List.of(), r.failures(), r.description());
      assertEquals(0, r.rowsLost(), r.description());
    }));
  }
}
