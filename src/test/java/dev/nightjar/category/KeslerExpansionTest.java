package dev.nightjar.category;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nightjar.taxonomy.Taxonomy;
import java.io.StringReader;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeslerExpansionTest {
  // 1 A, 2 A>B, 3 A>C, 4 A>C>D, 5 A>C>E, 6 F
  static final Taxonomy T = Taxonomy.parseGoogle(new StringReader(
      "1 - A\n2 - A > B\n3 - A > C\n4 - A > C > D\n5 - A > C > E\n6 - F\n"), "tiny");

  private static int idx(long id) {
    return T.byId(id).index();
  }

  private static KeslerExpansion.Row row(long id, boolean label) {
    return new KeslerExpansion.Row(idx(id), label);
  }

  private static KeslerExpansion.Row stop(long id, boolean label) {
    return new KeslerExpansion.Row(KeslerExpansion.stop(T, idx(id)), label);
  }

  @Test
  void siblingsExpansionOfALeaf() {
    List<KeslerExpansion.Row> rows = KeslerExpansion.expand(T, idx(5), KeslerExpansion.Mode.SIBLINGS, 0, null);
    assertEquals(List.of(
        row(1, true), row(6, false),                  // below the root
        row(2, false), row(3, true), stop(1, false),  // below A
        row(4, false), row(5, true), stop(3, false)), // below C
        rows);
  }

  @Test
  void siblingsExpansionOfAnInnerCategory() {
    List<KeslerExpansion.Row> rows = KeslerExpansion.expand(T, idx(3), KeslerExpansion.Mode.SIBLINGS, 0, null);
    assertEquals(List.of(
        row(1, true), row(6, false),
        row(2, false), row(3, true), stop(1, false),
        row(4, false), row(5, false), stop(3, true)), // the true node's own decision: stop
        rows);
  }

  @Test
  void fullExpansionCoversEveryClass() {
    List<KeslerExpansion.Row> rows = KeslerExpansion.expand(T, idx(2), KeslerExpansion.Mode.FULL, 0, null);
    assertEquals(List.of(
        row(1, true), stop(1, false), row(2, true), row(3, false), stop(3, false),
        row(4, false), row(5, false), row(6, false)), rows);
  }

  @Test
  void sampledNegativesAddOnlyClassesOffThePath() {
    Taxonomy big = Taxonomy.builtin();
    int leaf = big.leaves()[0];
    int base = KeslerExpansion.expand(big, leaf, KeslerExpansion.Mode.SIBLINGS, 0, null).size();
    List<KeslerExpansion.Row> rows = KeslerExpansion.expand(big, leaf, KeslerExpansion.Mode.SIBLINGS, 20, new SplittableRandom(1));
    assertEquals(true, rows.size() > base);
    rows.subList(base, rows.size()).forEach(r -> assertEquals(false, r.label()));
    assertEquals(rows, KeslerExpansion.expand(big, leaf, KeslerExpansion.Mode.SIBLINGS, 20, new SplittableRandom(1)));
  }
}
