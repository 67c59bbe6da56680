package dev.nightjar.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `jobs/run sql` and `jobs/run show` over a two-version Delta table written here. */
class SqlJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final LocalDate D1 = LocalDate.parse("2026-11-19");
  private static final LocalDate D2 = LocalDate.parse("2026-11-20");

  @TempDir static Path tmp;

  private static Dataset<Row> rows(SparkSession spark, Object[]... rows) {
    StructType schema = new StructType().add("item", DataTypes.StringType).add("price", DataTypes.DoubleType)
        .add("tags", DataTypes.createArrayType(DataTypes.StringType));
    return spark.createDataFrame(java.util.Arrays.stream(rows).map(RowFactory::create).toList(), schema);
  }

  @BeforeAll
  static void warehouse() {
    SparkSession spark = SharedSpark.get();
    Warehouse wh = new Warehouse(spark, tmp.resolve("wh").toString());
    // Version 0: one date, two rows. Version 1: the next date, three rows (one price null).
    wh.replacePartition("items", rows(spark, new Object[] {"pen", 1.5, new String[] {"office"}},
        new Object[] {"ink", 2.25, new String[] {}}), D1);
    wh.replacePartition("items", rows(spark, new Object[] {"pen", 1.75, new String[] {"office", "blue"}},
        new Object[] {"pad", null, null}, new Object[] {"cap", 0.5, new String[] {"x,y"}}), D2);
  }

  private static String wh() {
    return tmp.resolve("wh").toString();
  }

  @Test
  void dateParameterAndJsonKeepTypes() throws Exception {
    Jobs.Outcome o = Jobs.main("sql", "SELECT item, price, tags FROM items WHERE ds = '${date}' ORDER BY item",
        "--warehouse", wh(), "--date", D2.toString(), "--json");
    assertEquals(0, o.status(), o.err());
    JsonNode rows = JSON.readTree(o.out());
    assertEquals(3, rows.size(), o.out());
    assertEquals("cap", rows.get(0).get("item").asText());
    assertEquals(0.5, rows.get(0).get("price").asDouble());
    assertTrue(rows.get(1).get("price").isNull(), "a null stays a JSON null: " + rows.get(1));
    assertEquals(List.of("office", "blue"), List.of(rows.get(2).get("tags").get(0).asText(), rows.get(2).get("tags").get(1).asText()));
  }

  @Test
  void tableAndCsv() {
    Jobs.Outcome t = Jobs.main("sql", "SELECT ds, count(*) AS n, sum(price) AS total FROM items GROUP BY ds ORDER BY ds",
        "--warehouse", wh());
    assertEquals("ds          n  total\n----------  -  -----\n2026-11-19  2   3.75\n2026-11-20  3   2.25\n", t.out(), t.err());
    Jobs.Outcome c = Jobs.main("sql", "SELECT item, tags FROM items WHERE ds = '${date}' ORDER BY item", "--warehouse", wh(),
        "--date", D2.toString(), "--csv");
    assertEquals("item,tags\ncap,\"[\"\"x,y\"\"]\"\npad,\npen,\"[\"\"office\"\",\"\"blue\"\"]\"\n", c.out(), c.err());
  }

  @Test
  void timeTravelAndHistoryFromAFile() throws Exception {
    Path f = tmp.resolve("q.sql");
    Files.writeString(f, "-- the table as the first write left it; a ';' in a comment is no separator\n"
        + "SELECT count(*) AS n FROM items VERSION AS OF 0;\n");
    Jobs.Outcome o = Jobs.main("sql", "-f", f.toString(), "--warehouse", wh(), "--json");
    assertEquals(0, o.status(), o.err());
    assertEquals(2, JSON.readTree(o.out()).get(0).get("n").asInt());
    Jobs.Outcome h = Jobs.main("sql", "DESCRIBE HISTORY items", "--warehouse", wh(), "--json");
    assertEquals(0, h.status(), h.err());
    JsonNode history = JSON.readTree(h.out());
    assertEquals(2, history.size());
    assertEquals(1, history.get(0).get("version").asInt());
    assertEquals("WRITE", history.get(0).get("operation").asText());
  }

  @Test
  void badQueriesAreUsageErrorsWithSparksMessage() {
    Jobs.Outcome o = Jobs.main("sql", "SELECT nope FROM items", "--warehouse", wh());
    assertEquals(2, o.status());
    assertTrue(o.err().startsWith("nightjar: Bad query: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or "
        + "function parameter with name `nope` cannot be resolved."), o.err());
    assertEquals("", o.out());
    Jobs.Outcome syntax = Jobs.main("sql", "SELEC 1", "--warehouse", wh());
    assertEquals(2, syntax.status());
    assertTrue(syntax.err().startsWith("nightjar: Bad query: [PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'"), syntax.err());
    Jobs.Outcome param = Jobs.main("sql", "SELECT * FROM items WHERE ds = '${day}'", "--warehouse", wh());
    assertEquals(2, param.status());
    assertEquals("nightjar: Unknown parameter ${day} in the query: expected one of [${date}, ${warehouse}]\n", param.err());
    Jobs.Outcome none = Jobs.main("sql", "--warehouse", wh());
    assertEquals("nightjar: sql needs a statement: jobs/run sql \"SELECT ...\" or jobs/run sql -f FILE.sql\n", none.err());
    Jobs.Outcome missing = Jobs.main("sql", "SELECT 1", "--warehouse", tmp.resolve("absent").toString());
    assertEquals(2, missing.status());
    assertTrue(missing.err().startsWith("nightjar: No warehouse at file:" + tmp.resolve("absent")), missing.err());
  }

  @Test
  void showJsonIsOneDocument() throws Exception {
    Jobs.Outcome o = Jobs.main("show", "--table", "items", "--warehouse", wh(), "--json", "--rows", "2");
    assertEquals(0, o.status(), o.err());
    JsonNode j = JSON.readTree(o.out());
    assertEquals(5, j.get("rows").asInt());
    assertEquals(2, j.get("rows_per_ds").get(D1.toString()).asInt());
    assertEquals(3, j.get("rows_per_ds").get(D2.toString()).asInt());
    assertEquals("price", j.get("columns").get(1).get("name").asText());
    assertEquals("double", j.get("columns").get(1).get("type").asText());
    assertEquals(2, j.get("sample").size());
  }
}
