package dev.nightjar.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A product's terms are distinct and capped at {@link Featurization#MAX_TERMS}, online and in batch. */
class FeaturizationTermCapTest {
  private static List<String> fields(String title, String vendor) {
    return Arrays.asList(title, null, null, null, vendor, null);
  }

  @Test
  void termsAreDistinctInFirstSeenOrder() {
    assertEquals(List.of("shoe", "red", "acm", // Snowball English stems "acme"
        "t:shoe", "t:red", "b:shoe_red", "b:red_shoe"),
        Featurization.defaults().terms(fields("shoe red shoe", "acme")));
  }

  @Test
  void aHugeTitleKeepsTheFirstMaxTermsOnly() {
    StringBuilder title = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      title.append("zq").append(Integer.toString(i, 26).replaceAll("[0-9]", "x").replace('x', 'q')).append(' ');
    }
    Featurization f = Featurization.defaults();
    List<String> terms = f.terms(fields(title.toString(), "acme"));
    assertEquals(Featurization.MAX_TERMS, terms.size());
    List<String> want = new ArrayList<>();
    for (String t : f.cleaner().fields(List.of(title.toString())).get(0)) {
      if (want.size() < Featurization.MAX_TERMS && !want.contains(t)) {
        want.add(t);
      }
    }
    assertEquals(want, terms);
  }

  @Test
  void termsAloneSkipTheFullDescriptionButItStillVotesForTheLanguage() {
    Featurization d = Featurization.defaults();
    Featurization f = new Featurization(d.rules(), List.of("en", "fr"), d.stem(), d.foldAccents(), d.terms(),
        d.subwordMin(), d.subwordMax(), 12, d.maxFieldChars(), d.numFeatures(), d.hash());
    // The first 12 characters of the description are read as terms; its French stop words past
    // them make the product French (so "les" is a stop word and the stems are French ones).
    List<String> fields = Arrays.asList("Les chaussures rouges", "Bottes pour les enfants et les parents, avec des lacets",
        null, null, null, null);
    assertEquals(f.analyze(fields).terms(), f.terms(fields));
    assertEquals(List.of("chaussur", "roug", "bott", "t:chaussur", "t:roug", "b:chaussur_roug"), f.terms(fields));
  }
}
