package dev.nightjar.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  private static final File NO_SITE = new File("/nonexistent/site.conf");

  @Test
  void referenceDefaultsAndSubstitution() {
    Config c = Settings.load(NO_SITE, null, Map.of());
    assertEquals(262144, c.getInt("featurize.num-features"));
    assertEquals(0.05, c.getDouble("featurize.max-quarantine-share"));
    Config c2 = Settings.load(NO_SITE, null, Map.of("quarantine.max-share", "0.2"));
    assertEquals(0.2, c2.getDouble("featurize.max-quarantine-share"), "follows the shared default");
  }

  @Test
  void layersApplyInOrder(@TempDir Path dir) throws Exception {
    Path site = dir.resolve("site.conf");
    Files.writeString(site, "featurize.num-features = 1024\nsample.seed = 7\n");
    Path file = dir.resolve("job.conf");
    Files.writeString(file, "featurize.num-features = 2048\n");
    Config c = Settings.load(site.toFile(), file.toFile(), Map.of("featurize.num-features", "4096"));
    assertEquals(4096, c.getInt("featurize.num-features"));
    assertEquals(7, c.getInt("sample.seed"));
    assertEquals(2048, Settings.load(site.toFile(), file.toFile(), Map.of()).getInt("featurize.num-features"));
  }

  @Test
  void wrongTypeNamesTheKey() {
    Config c = Settings.load(NO_SITE, null, Map.of("featurize.num-features", "lots"));
    UsageException e = assertThrows(UsageException.class, () -> Settings.intIn(c, "featurize.num-features", 2, 100));
    assertEquals("Cannot set featurize.num-features to lots: expected an integer", e.getMessage());
  }

  @Test
  void outOfRangeNamesTheKeyAndTheRange() {
    Config c = Settings.load(NO_SITE, null, Map.of("featurize.max-quarantine-share", "1.5"));
    UsageException e = assertThrows(UsageException.class,
        () -> Settings.doubleIn(c, "featurize.max-quarantine-share", 0, 1));
    assertEquals("Cannot set featurize.max-quarantine-share to 1.5: expected a number in [0.0, 1.0]", e.getMessage());
    Config c2 = Settings.load(NO_SITE, null, Map.of("featurize.num-features", "2.5"));
    assertThrows(UsageException.class, () -> Settings.intIn(c2, "featurize.num-features", 2, 100));
  }

  @Test
  void unknownKeysAreRejected(@TempDir Path dir) throws Exception {
    UsageException e = assertThrows(UsageException.class,
        () -> Settings.load(NO_SITE, null, Map.of("featurize.num-featurez", "3")));
    assertEquals("Cannot set featurize.num-featurez to 3: unknown configuration key; did you mean featurize.num-features? (see: jobs/run config)", e.getMessage());
    Path f = dir.resolve("typo.conf");
    Files.writeString(f, "sample { sed = 3 }\n");
    UsageException e2 = assertThrows(UsageException.class, () -> Settings.load(NO_SITE, f.toFile(), Map.of()));
    assertTrue(e2.getMessage().startsWith("Cannot set sample.sed to 3"), e2.getMessage());
    UsageException e3 = assertThrows(UsageException.class,
        () -> Settings.load(NO_SITE, dir.resolve("missing.conf").toFile(), Map.of()));
    assertTrue(e3.getMessage().contains("no such file"), e3.getMessage());
  }

  @Test
  void describeMasksSecrets() {
    Config c = com.typesafe.config.ConfigFactory.parseMap(
        Map.of("store.password", "hunter2", "store.api-key", "abc", "store.host", "h1"));
    String d = Settings.describe(c, c);
    assertTrue(d.contains("store.password = \"****\""), d);
    assertTrue(d.contains("store.api-key = \"****\""), d);
    assertTrue(d.contains("store.host = \"h1\""), d);
    assertTrue(!d.contains("hunter2"), d);
  }
}
