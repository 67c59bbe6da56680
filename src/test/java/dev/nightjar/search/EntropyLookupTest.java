package dev.nightjar.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serving loader and the query normalization, in plain Java (no Spark). */
class EntropyLookupTest {
  @Test
  void normalizesQueries() {
    assertEquals("geeky mug", QueryNormalizer.normalize("  Geeky \t\n MUG  "));
    assertEquals("geeky mug", QueryNormalizer.normalize("geeky\u00a0mug\u2003"));
    assertEquals("straße", QueryNormalizer.normalize("STRAßE"));
    assertEquals("i̇stanbul", QueryNormalizer.normalize("İstanbul")); // locale independent
    assertEquals("", QueryNormalizer.normalize(" \t "));
    assertNull(QueryNormalizer.normalize(null));
  }

  @Test
  void formatsAndParsesLinesWithEscapes() {
    String line = EntropyLookup.formatLine("a\\b\tc", 1, "Home\nGarden",
        List.of("Home", "Toys\r"), List.of(0.75, 0.25));
    assertEquals("a\\\\b\\tc\t1\tHome\\nGarden\tHome\t0.75\tToys\\r\t0.25", line);
    EntropyLookup.Entry e = EntropyLookup.parseLine(line);
    assertEquals("a\\b\tc", e.query());
    assertEquals(1, e.broadLevel());
    assertEquals("Home\nGarden", e.topCategory());
    assertEquals(List.of(new EntropyLookup.Category("Home", 0.75), new EntropyLookup.Category("Toys\r", 0.25)), e.show());
    assertTrue(e.broad());
    EntropyLookup.Entry specific = EntropyLookup.parseLine("geeky mug\t0\tHome");
    assertTrue(specific.show().isEmpty());
    assertEquals(0, specific.broadLevel());
  }

  @Test
  void rejectsMalformedLines() {
    assertEquals("expected query, broad_level, top_category and (category, share) pairs separated by TABs;"
            + " found 4 fields",
        assertThrows(IllegalArgumentException.class, () -> EntropyLookup.parseLine("q\t1\tHome\tToys")).getMessage());
    assertEquals("expected broad_level 0, 1 or 2; found 3",
        assertThrows(IllegalArgumentException.class, () -> EntropyLookup.parseLine("q\t3\tHome")).getMessage());
    assertEquals("expected a share in [0, 1]; found 'x'",
        assertThrows(IllegalArgumentException.class, () -> EntropyLookup.parseLine("q\t1\tH\tToys\tx")).getMessage());
    assertEquals("unknown escape \\x in 'a\\xb'",
        assertThrows(IllegalArgumentException.class, () -> EntropyLookup.parseLine("a\\xb\t0\tH")).getMessage());
  }

  @Test
  void loadsAnExportDirectory(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("part-00000.txt"), "gift\t1\tHome\tHome\t0.6\tToys\t0.4\n");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("part-00001.txt.gz")))) {
      out.write("geeky mug\t0\tHome\n".getBytes(StandardCharsets.UTF_8));
    }
    Files.writeString(dir.resolve(".part-00000.txt.crc"), "ignored");
    IOException incomplete = assertThrows(IOException.class, () -> EntropyLookup.load(dir));
    assertTrue(incomplete.getMessage().endsWith("has no _SUCCESS marker"), incomplete.getMessage());
    Files.writeString(dir.resolve("_SUCCESS"), "");
    EntropyLookup lookup = EntropyLookup.load(dir);
    assertEquals(2, lookup.size());
    assertEquals(List.of("Home", "Toys"),
        lookup.lookup(" GIFT ").orElseThrow().show().stream().map(EntropyLookup.Category::name).toList());
    assertEquals(0, lookup.lookup("Geeky  Mug").orElseThrow().broadLevel());
    assertTrue(lookup.lookup("mug").isEmpty());
    assertTrue(lookup.lookup(null).isEmpty());

    Files.writeString(dir.resolve("part-00002.txt"), "gift\t0\tHome\n");
    IOException twice = assertThrows(IOException.class, () -> EntropyLookup.load(dir));
    assertTrue(twice.getMessage().endsWith("part-00002.txt:1: query 'gift' appears twice"), twice.getMessage());
    Files.writeString(dir.resolve("part-00002.txt"), "ok\t0\tHome\nbad\tx\tHome\n");
    IOException bad = assertThrows(IOException.class, () -> EntropyLookup.load(dir));
    assertTrue(bad.getMessage().endsWith("part-00002.txt:2: expected broad_level 0, 1 or 2; found 'x'"), bad.getMessage());
  }
}
