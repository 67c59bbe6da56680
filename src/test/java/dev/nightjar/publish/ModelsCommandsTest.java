package dev.nightjar.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.registry.ModelRegistry;
import dev.nightjar.testing.Jobs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `jobs/run models ...` over a registry written here: output formats and every error case. */
class ModelsCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Two category versions of the same date, told apart by publish time and fingerprint. */
  private static Path registry(Path wh) throws Exception {
    ModelRegistry r = ModelRegistry.open(wh.toString(), new Configuration());
    String[] meta = {
        "{\"model\":\"category\",\"version\":1,\"ds\":\"2026-11-20\",\"published_at\":\"2026-11-20T01:02:03.456Z\","
            + "\"source_fingerprint\":\"sha256:aaaabbbbccccdddd1111\",\"metrics\":{\"hF\":0.8123456789012345,\"products\":200.0}}",
        "{\"model\":\"category\",\"version\":2,\"ds\":\"2026-11-20\",\"published_at\":\"2026-11-20T05:06:07Z\","
            + "\"source_fingerprint\":\"sha256:eeeeffff000011112222\",\"metrics\":{\"hF\":0.85,\"products\":210.0}}"};
    for (int v = 1; v <= 2; v++) {
      org.apache.hadoop.fs.Path d = r.newDraft("category");
      Files.writeString(Path.of(d.toUri()).resolve(ModelRegistry.METADATA), meta[v - 1]);
      r.commit("category", d, v, false);
      r.promote("category", v);
    }
    return wh;
  }

  @Test
  void listShowsPublishTimeShortFingerprintAndReadableMetrics(@TempDir Path dir) throws Exception {
    String wh = registry(dir).toString();
    Jobs.Outcome o = Jobs.main("models", "list", "--warehouse", wh);
    assertEquals(0, o.status(), o.err());
    assertEquals(""
        + "model     version  aliases   ds          published             fingerprint   metrics\n"
        + "--------  -------  --------  ----------  --------------------  ------------  ----------------------\n"
        + "category        1  previous  2026-11-20  2026-11-20T01:02:03Z  aaaabbbbcccc  hF=0.8123 products=200\n"
        + "category        2  current   2026-11-20  2026-11-20T05:06:07Z  eeeeffff0000  hF=0.85 products=210\n", o.out());
    assertEquals("", o.err());
    JsonNode rows = JSON.readTree(Jobs.main("models", "list", "--warehouse", wh, "--json").out());
    assertEquals(2, rows.size());
    assertEquals("current", rows.get(1).get("aliases").get(0).asText());
    assertEquals(0.85, rows.get(1).get("metrics").get("hF").asDouble());
  }

  @Test
  void showIsJsonAndNothingElse(@TempDir Path dir) throws Exception {
    String wh = registry(dir).toString();
    Jobs.Outcome o = Jobs.main("models", "show", "--model", "category", "--warehouse", wh, "--json");
    assertEquals(0, o.status(), o.err());
    assertEquals(2, JSON.readTree(o.out()).get("version").asInt());
    assertEquals(1, JSON.readTree(Jobs.main("models", "show", "--model", "category", "--alias", "previous",
        "--warehouse", wh).out()).get("version").asInt());
  }

  @Test
  void diffPutsTwoVersionsSideBySide(@TempDir Path dir) throws Exception {
    String wh = registry(dir).toString();
    Jobs.Outcome o = Jobs.main("models", "diff", "--model", "category", "--from", "1", "--to", "2", "--warehouse", wh);
    assertEquals(0, o.status(), o.err());
    assertEquals("category: version 1 -> 2\n"
        + "                    v1                           v2                           change\n"
        + "------------------  ---------------------------  ---------------------------  ------\n"
        + "ds                  2026-11-20                   2026-11-20\n"
        + "published_at        2026-11-20T01:02:03.456Z     2026-11-20T05:06:07Z\n"
        + "source_fingerprint  sha256:aaaabbbbccccdddd1111  sha256:eeeeffff000011112222\n"
        + "hF                  0.8123                       0.85                         0.0377\n"
        + "products            200                          210                          10\n", o.out());
    JsonNode j = JSON.readTree(Jobs.main("models", "diff", "--model", "category", "--warehouse", wh, "--json").out());
    assertEquals(1, j.get("from").asInt(), "default: previous -> current");
    assertEquals(10.0, j.get("metrics").get(1).get("change").asDouble());
  }

  @Test
  void aliasIsSetAndDeletedButCurrentIsNeverDeleted(@TempDir Path dir) throws Exception {
    String wh = registry(dir).toString();
    Jobs.Outcome set = Jobs.main("models", "alias", "--model", "category", "--alias", "canary", "--version", "1",
        "--warehouse", wh);
    assertEquals("category canary: none -> 1\n", set.out(), set.err());
    Jobs.Outcome del = Jobs.main("models", "alias", "--model", "category", "--alias", "canary", "--delete", "--warehouse", wh);
    assertEquals("category canary: 1 -> deleted\n", del.out(), del.err());
    assertEquals(Map.of("current", 2, "previous", 1),
        ModelRegistry.open(wh, new Configuration()).aliases("category"));

    Jobs.Outcome again = Jobs.main("models", "alias", "--model", "category", "--alias", "canary", "--delete", "--warehouse", wh);
    assertEquals(1, again.status());
    assertEquals("nightjar: job failed: Model category has no alias canary (aliases: {current=2, previous=1})\n", again.err());
    Jobs.Outcome current = Jobs.main("models", "alias", "--model", "category", "--alias", "current", "--delete", "--warehouse", wh);
    assertEquals(1, current.status());
    assertEquals("nightjar: job failed: Cannot delete alias current of category: serving reads it; move it with "
        + "models promote or models rollback instead\n", current.err());
    Jobs.Outcome both = Jobs.main("models", "alias", "--model", "category", "--alias", "canary", "--warehouse", wh);
    assertEquals(2, both.status());
    assertEquals("nightjar: models alias needs either --version N (set it) or --delete\n", both.err());
  }

  @Test
  void unknownModelAndMissingWarehouseAreUsageErrors(@TempDir Path dir) throws Exception {
    String wh = registry(dir).toString();
    Jobs.Outcome typo = Jobs.main("models", "show", "--model", "categry", "--warehouse", wh);
    assertEquals(2, typo.status());
    assertEquals("nightjar: Unknown model 'categry' in " + dir.resolve("models").toUri().toString().replaceFirst("/$", "")
        .replaceFirst("^file:///", "file:/") + "; did you mean category? (known models: category)\n", typo.err());
    assertEquals("", typo.out());
    Jobs.Outcome missing = Jobs.main("models", "list", "--warehouse", dir.resolve("no/such").toString());
    assertEquals(2, missing.status());
    assertEquals("nightjar: No warehouse at file:" + dir.resolve("no/such") + ": it does not exist "
        + "(give --warehouse DIR_OR_URI, or set warehouse.root)\n", missing.err());
    assertEquals("", missing.out());
  }
}
