package dev.nightjar.taxonomy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nightjar.testing.SharedSpark;
import java.io.File;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class TaxonomyTest {
  private static final String GOOGLE =
      "# Google_Product_Taxonomy_Version: 2019-07-10\n"
          + "1 - Apparel\n"
          + "2 - Apparel > Clothing\n"
          + "3 - Apparel > Clothing > Shirts\n"
          + "4 - Apparel > Clothing > Dresses\n"
          + "5 - Home\n";

  @Test
  void parsesGoogleFormat() {
    Taxonomy t = Taxonomy.parseGoogle(new StringReader(GOOGLE), "test.txt");
    assertEquals(5, t.size());
    Taxonomy.Node shirts = t.byPath("Apparel > Clothing > Shirts");
    assertEquals(3, shirts.id());
    assertEquals("Shirts", shirts.name());
    assertEquals(3, shirts.depth());
    assertEquals(t.byId(2).index(), shirts.parent());
    assertEquals(List.of("Apparel", "Clothing", "Shirts"), t.lineage(shirts.index()).stream().map(Taxonomy.Node::name).toList());
    assertArrayEquals(new int[] {t.byId(3).index(), t.byId(4).index()}, t.children(t.byId(2).index()));
    assertEquals(shirts, t.byPath(" Apparel>Clothing >  Shirts "));
    assertNull(t.byPath("Apparel > Shoes"));
    assertEquals(3, t.maxDepth());
  }

  @Test
  void malformedLineNamesFileAndLine() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Taxonomy.parseGoogle(new StringReader("1 - A\nA > B without id\n"), "tax.txt"));
    assertEquals("tax.txt line 2: expected 'id - A > B > C', found 'A > B without id'", e.getMessage());
    IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
        () -> Taxonomy.parseGoogle(new StringReader("1 - A\n2 - A >  > C\n"), "tax.txt"));
    assertEquals("tax.txt line 2: Category path 'A >  > C' has an empty level", e2.getMessage());
  }

  @Test
  void derivesFromPathsWithStableIds() {
    Taxonomy t = Taxonomy.fromPaths(List.of("B > X", "A > Y > Z", "A > Y"));
    assertEquals(5, t.size());
    assertEquals(1, t.byPath("A").id());
    assertEquals(2, t.byPath("A > Y").id());
    assertEquals(3, t.byPath("A > Y > Z").id());
    assertEquals(4, t.byPath("B").id());
    assertEquals(5, t.byPath("B > X").id());
  }

  @Test
  void builtinAndGoogleFile() {
    Taxonomy b = Taxonomy.builtin();
    assertEquals(122, b.size());
    assertEquals(8, b.children(0).length);
    File google = new File(SharedSpark.sharedData(), "google-product-taxonomy-with-ids.en-US.txt");
    Assumptions.assumeTrue(google.isFile(), "shared data not present");
    Taxonomy g = Taxonomy.parseGoogle(google.toPath());
    assertEquals(5582, g.size());
    assertEquals(7, g.maxDepth());
  }
}
