package dev.nightjar.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeaturizationTest {
  private static Featurization with(Map<String, String> sets) {
    return Featurization.from(Settings.load(new java.io.File("/nonexistent"), null, sets));
  }

  private static List<String> fields(String title, String description) {
    return Arrays.asList(title, description, null, "sale", "Acme", null);
  }

  @Test
  void defaultTermsAreFieldTokensTitleTokensAndTitleBigrams() {
    assertEquals(List.of("blue", "mug", "fine", "sale", "acm", "t:blue", "t:mug", "b:blue_mug"),
        Featurization.defaults().terms(fields("Blue Mug", "a <b>fine</b>")));
  }

  @Test
  void descriptionIsCutForTheTermsButNotForTheTokens() {
    Featurization f = with(Map.of("featurize.description-chars", "11"));
    Featurization.Analysis a = f.analyze(fields("Mug", "blue glazed porcelain"));
    assertEquals(List.of("mug", "blue", "glaze", "porcelain", "sale", "acm"), a.tokens());
    assertEquals(List.of("mug", "blue", "glaze", "sale", "acm", "t:mug"), a.terms());
  }

  @Test
  void subwordsAreCharacterNgramsOfTitleTokens() {
    Featurization f = with(Map.of("featurize.terms", "[title, subwords]", "featurize.subword-min", "3",
        "featurize.subword-max", "4"));
    assertEquals(List.of("t:mug", "s:<mu", "s:mug", "s:ug>", "s:<mug", "s:mug>"), f.terms(fields("Mug", "cup")));
  }

  @Test
  void languagesFromACodeAListOrAuto() {
    assertEquals(List.of("fr"), with(Map.of("featurize.language", "fr")).languages());
    assertEquals(List.of("en", "fr"), with(Map.of("featurize.language", "[en, fr]")).languages());
    assertEquals(Language.codes(), with(Map.of("featurize.language", "auto")).languages());
    UsageException e = assertThrows(UsageException.class, () -> with(Map.of("featurize.language", "klingon")));
    assertEquals("Cannot set featurize.language to klingon: expected a language code ("
        + String.join(", ", Language.codes()) + "), a list of them, or auto", e.getMessage());
    UsageException k = assertThrows(UsageException.class, () -> with(Map.of("featurize.terms", "[title, words]")));
    assertEquals("Cannot set featurize.terms to [title, words]: expected a non-empty list of fields, title, bigrams, subwords",
        k.getMessage());
  }

  @Test
  void recordedFormRoundTrips() {
    Featurization f = with(Map.of("featurize.language", "[de, fr]", "featurize.stem", "true",
        "featurize.fold-accents", "true", "featurize.terms", "[fields, subwords]"));
    assertEquals(f, Featurization.fromJson(f.toJson(), "test"));
    assertEquals(f, Featurization.fromMap(f.toMap(), "test"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Featurization.fromMap(Map.of("rules", 2), "model m"));
    assertEquals("Cannot read the featurization recorded in model m: no key languages (found {rules=2})", e.getMessage());
  }
}
