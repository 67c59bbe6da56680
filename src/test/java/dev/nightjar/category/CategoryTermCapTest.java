package dev.nightjar.category;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The terms of a product are distinct and capped at {@link CategoryText#MAX_TERMS}, online and in batch. */
class CategoryTermCapTest {
  private static List<String> fields(String title, String vendor) {
    return Arrays.asList(title, null, null, null, vendor, null);
  }

  @Test
  void termsAreDistinctInFirstSeenOrder() {
    assertEquals(List.of("shoe", "red", "acme", "t:shoe", "t:red", "b:shoe_red", "b:red_shoe"),
        CategoryText.terms(fields("shoe red shoe", "acme"), 1000, 102400));
  }

  @Test
  void aHugeTitleKeepsTheFirstMaxTermsOnly() {
    StringBuilder title = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      title.append("zq").append(Integer.toString(i, 26).replaceAll("[0-9]", "x").replace('x', 'q')).append(' ');
    }
    List<String> terms = CategoryText.terms(fields(title.toString(), "acme"), 1000, 1 << 20);
    assertEquals(CategoryText.MAX_TERMS, terms.size());
    List<String> want = new ArrayList<>();
    for (String t : title.toString().trim().split(" ")) {
      if (want.size() < CategoryText.MAX_TERMS && !want.contains(t)) {
        want.add(t);
      }
    }
    assertEquals(want, terms);
  }
}
