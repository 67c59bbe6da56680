package dev.nightjar.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.common.ExitCodes;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.NightlyWorld;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Over a real nightly run (the workflow in-process, the shared tiny {@link NightlyWorld}): the README documents
 * every column of every table it wrote, and the commands' {@code --json} output is JSON and
 * nothing else.
 */
class TablesDocumentedTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DATE = "2026-11-20";
  private static final Pattern ROW = Pattern.compile("(?m)^\\| `([a-z_]+)` \\|(.*)\\|\\s*$");
  private static final Pattern CODE = Pattern.compile("`([A-Za-z0-9_]+)`");

  // The shared nightly world: generate-sample and every workflow action, the budget model blessed
  // so that every action (and table) runs.
  static NightlyWorld world;
  static Jobs.Outcome nightly;

  @BeforeAll
  static void nightlyRun() {
    world = NightlyWorld.get();
    nightly = world.outcome();
  }

  private static String wh() {
    return world.warehouse().toString();
  }

  /** README table name to the names written in backticks in its row of "Every table and its columns". */
  static Map<String, Set<String>> documented(String readme) {
    int start = readme.indexOf("### Every table and its columns");
    assertTrue(start >= 0, "README has no section '### Every table and its columns'");
    int end = readme.indexOf("\n#", start + 5);
    Map<String, Set<String>> out = new LinkedHashMap<>();
    Matcher rows = ROW.matcher(readme.substring(start, end < 0 ? readme.length() : end));
    while (rows.find()) {
      Set<String> names = new LinkedHashSet<>();
      Matcher c = CODE.matcher(rows.group(2));
      while (c.find()) {
        names.add(c.group(1));
      }
      out.put(rows.group(1), names);
    }
    return out;
  }

  @Test
  void readmeDocumentsEveryColumnOfEveryTable() throws Exception {
    assertTrue(nightly.status() == 0 || nightly.status() == ExitCodes.NOT_BLESSED, nightly.err());
    Map<String, Set<String>> docs = documented(Files.readString(Path.of("README.md")));
    Warehouse w = new Warehouse(SharedSpark.get(), wh());
    List<String> tables = w.deltaTableNames();
    assertTrue(tables.size() >= 16, "the nightly run wrote " + tables);
    List<String> missing = new ArrayList<>();
    for (String t : tables) {
      if (!docs.containsKey(t)) {
        missing.add("table " + t + " (no row `" + t + "` in README's table list)");
        continue;
      }
      for (StructField f : w.read(t).schema().fields()) {
        if (!docs.get(t).contains(f.name())) {
          missing.add(t + "." + f.name());
        }
      }
    }
    assertEquals(List.of(), missing, "README.md, '### Every table and its columns', does not document these");
  }

  @Test
  void readmeCheckFailsOnAnUndocumentedColumn() {
    Map<String, Set<String>> docs = documented("### Every table and its columns\n\n| table | by | ds | columns |\n"
        + "|---|---|---|---|\n| `shops` | generate-sample | – | `shop_id`, `country` (ISO) |\n\n## Next\n| `x` | y |\n");
    assertEquals(Map.of("shops", Set.of("shop_id", "country")), docs);
  }

  @Test
  void everyJsonOutputIsOneJsonDocument() throws Exception {
    JsonNode summary = JSON.readTree(nightly.out());
    assertEquals("nightly", summary.get("job").asText(), nightly.out());
    assertEquals(10, summary.get("actions").size(), "generate-sample and the nine workflow actions");
    assertTrue(summary.get("actions").get(1).get("seconds").asDouble() > 0);

    Jobs.Outcome model = Jobs.main("models", "show", "--model", "category", "--warehouse", wh(), "--json");
    assertEquals(1, JSON.readTree(model.out()).get("version").asInt(), model.out() + model.err());
    Jobs.Outcome show = Jobs.main("show", "--table", "products", "--warehouse", wh(), "--json");
    assertEquals(NightlyWorld.PRODUCTS, JSON.readTree(show.out()).get("rows").asInt(), show.out() + show.err());
    Jobs.Outcome sql = Jobs.main("sql", "SELECT category, count(*) FROM category_predictions GROUP BY category "
        + "ORDER BY 2 DESC LIMIT 5", "--warehouse", wh(), "--json");
    JsonNode top = JSON.readTree(sql.out());
    assertEquals(5, top.size(), sql.out() + sql.err());
    long top1 = SharedSpark.get().read().format("delta").load(wh() + "/category_predictions")
        .groupBy("category").count().orderBy(org.apache.spark.sql.functions.desc("count")).first().getLong(1);
    assertEquals(top1, top.get(0).get("count(1)").asLong());
  }
}
