package dev.nightjar.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
  /** A draft holding metadata and, when asked, a (fake-content) SavedModel layout. */
  private static org.apache.hadoop.fs.Path draft(ModelRegistry r, String model, int tag, boolean savedModel)
      throws Exception {
    org.apache.hadoop.fs.Path d = r.newDraft(model);
    Path local = Path.of(d.toUri());
    Files.writeString(local.resolve(ModelRegistry.METADATA), "{\"tag\":" + tag + "}");
    if (savedModel) {
      Files.createDirectories(local.resolve("variables"));
      Files.writeString(local.resolve("variables/variables.index"), "index");
      Files.writeString(local.resolve("variables/variables.data-00000-of-00001"), "data");
      Files.writeString(local.resolve(ModelRegistry.SAVED_MODEL), "graph");
    }
    return d;
  }

  @Test
  void versionsAliasesPromoteAndRollback(@TempDir Path wh) throws Exception {
    ModelRegistry r = ModelRegistry.open(wh.toString(), new Configuration());
    assertEquals(List.of(), r.versions("category"));
    r.commit("category", draft(r, "category", 1, true), 1, true);
    r.promote("category", 1);
    r.commit("category", draft(r, "category", 2, true), 2, true);
    assertEquals(Optional.of(1), r.alias("category", ModelRegistry.CURRENT), "commit alone does not move current");
    assertEquals(0 + 1, r.promote("category", 2));
    assertEquals(Map.of("current", 2, "previous", 1), r.aliases("category"));
    assertEquals(2, r.metadata("category", 2).get("tag"));
    assertEquals("2\n", Files.readString(wh.resolve("models/category/aliases/current")), "TF-Serving-free plain file");

    assertEquals(1, r.rollback("category"));
    assertEquals(Map.of("current", 1, "previous", 2), r.aliases("category"));
    assertEquals(2, r.rollback("category"), "rolling back twice rolls forward");

    r.setAlias("category", "canary", 1);
    assertEquals(Optional.of(1), r.alias("category", "canary"));
    assertEquals(List.of("category"), r.models());
    assertEquals(List.of(1, 2), r.versions("category"));
    try (var files = Files.list(wh.resolve("models/category"))) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")), "no drafts or temp alias files left");
    }
  }

  @Test
  void refusesToOverwriteOrCommitIncompleteVersions(@TempDir Path wh) throws Exception {
    ModelRegistry r = ModelRegistry.open(wh.toString(), new Configuration());
    r.commit("budget", draft(r, "budget", 1, true), 1, true);
    ModelRegistry.RegistryException e = assertThrows(ModelRegistry.RegistryException.class,
        () -> r.commit("budget", draft(r, "budget", 9, true), 1, true));
    assertTrue(e.getMessage().contains("already exists (published versions are never overwritten)"), e.getMessage());
    assertEquals(1, r.metadata("budget", 1).get("tag"), "version 1 untouched");

    org.apache.hadoop.fs.Path noGraph = draft(r, "budget", 2, false);
    e = assertThrows(ModelRegistry.RegistryException.class, () -> r.commit("budget", noGraph, 2, true));
    assertTrue(e.getMessage().startsWith("The draft has no SavedModel graph: expected "), e.getMessage());
    assertEquals(List.of(1), r.versions("budget"), "a draft is never a version");
    org.apache.hadoop.fs.Path noIndex = draft(r, "budget", 3, true);
    Files.delete(Path.of(noIndex.toUri()).resolve("variables/variables.index"));
    e = assertThrows(ModelRegistry.RegistryException.class, () -> r.commit("budget", noIndex, 2, true));
    assertTrue(e.getMessage().startsWith("The draft has no SavedModel variables index: expected "), e.getMessage());
    assertEquals(3, r.removeDrafts("budget"), "the refused drafts are left for the caller to discard");
    assertFalse(Files.exists(Path.of(noGraph.toUri())));
  }

  @Test
  void explainsBadRequests(@TempDir Path wh) throws Exception {
    ModelRegistry r = ModelRegistry.open(wh.toString(), new Configuration());
    assertEquals("Cannot roll back budget: it has no previous version (aliases: {})",
        assertThrows(ModelRegistry.RegistryException.class, () -> r.rollback("budget")).getMessage());
    assertEquals("Cannot promote budget version 4: no such version (versions: [])",
        assertThrows(ModelRegistry.RegistryException.class, () -> r.promote("budget", 4)).getMessage());
    assertEquals("Model name should match [a-z][a-z0-9_]*, found '../x'",
        assertThrows(ModelRegistry.RegistryException.class, () -> r.versions("../x")).getMessage());
    Files.createDirectories(wh.resolve("models/budget/aliases"));
    Files.writeString(wh.resolve("models/budget/aliases/current"), "three");
    assertTrue(assertThrows(ModelRegistry.RegistryException.class, () -> r.alias("budget", "current"))
        .getMessage().endsWith("should hold a version number, found 'three'"));
  }
}
