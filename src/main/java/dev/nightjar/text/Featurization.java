package dev.nightjar.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import dev.nightjar.common.Settings;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one definition of a product's features, as a typed value: the cleaning rules ({@link
 * TextCleaner}), the term kinds the classifier reads, and the hashed vector. Plain Java: {@code
 * featurize}, the category jobs given raw products, the serving code and the SavedModel's input
 * all call {@link #analyze}. It is recorded in {@code product_features}' column metadata and in
 * every category model, and a model refuses features of another featurization.
 *
 * <p>Terms, in order: {@value #FIELDS} (the cleaned tokens of every field, the description cut to
 * {@code descriptionChars}), {@value #TITLE} ({@code t:token} for each title token), {@value
 * #BIGRAMS} ({@code b:first_second} for adjacent title tokens), {@value #SUBWORDS} ({@code s:gram}
 * for the character n-grams of each title token framed as {@code <token>}, lengths {@code
 * subwordMin..subwordMax}). The prefixes cannot collide with tokens: the cleaner never emits
 * {@code :}, {@code _} or {@code <}.
 *
 * @param rules the cleaning rules' version ({@link TextCleaner#RULES})
 * @param languages the languages a product may be in (one, or several to choose from per product)
 */
public record Featurization(int rules, List<String> languages, boolean stem, boolean foldAccents,
    List<String> terms, int subwordMin, int subwordMax, int descriptionChars, int maxFieldChars,
    int numFeatures, String hash) implements Serializable {

  public static final String FIELDS = "fields";
  public static final String TITLE = "title";
  public static final String BIGRAMS = "bigrams";
  public static final String SUBWORDS = "subwords";
  public static final List<String> KINDS = List.of(FIELDS, TITLE, BIGRAMS, SUBWORDS);
  public static final String TITLE_PREFIX = "t:";
  public static final String BIGRAM_PREFIX = "b:";
  public static final String SUBWORD_PREFIX = "s:";
  /**
   * Distinct terms per product beyond which the rest are dropped, so a product's cost is bounded
   * online and in batch alike. The largest Flipkart product has 116 (p99.9 96), so no real product
   * is cut; the SavedModel compares a row's terms pairwise: 256 terms cost it ~3 ms, 1,024 ~65 ms,
   * a 10,000-word title (18,693 terms) 21 s.
   */
  public static final int MAX_TERMS = 256;
  /** {@code featurize.language = auto}: every language of {@link Language#ALL}. */
  public static final String AUTO = "auto";

  static final String P = "featurize.";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DESCRIPTION = ProductText.FIELDS.indexOf("description");

  public Featurization {
    languages = List.copyOf(languages);
    terms = List.copyOf(terms);
    if (languages.isEmpty()) {
      throw new IllegalArgumentException("Expected at least one language, found none");
    }
    languages.forEach(Language::of);
    if (terms.isEmpty() || !KINDS.containsAll(terms)) {
      throw new IllegalArgumentException("Expected term kinds among " + KINDS + ", found " + terms);
    }
    if (subwordMin < 1 || subwordMax < subwordMin) {
      throw new IllegalArgumentException(
          "Expected 1 <= subword-min <= subword-max, found " + subwordMin + ".." + subwordMax);
    }
  }

  /** The settings under {@code featurize.*}. */
  public static Featurization from(Config c) {
    List<String> langs;
    try {
      langs = languages(c.getValue(P + "language").valueType() == ConfigValueType.LIST
          ? Settings.stringList(c, P + "language") : Arrays.asList(Settings.string(c, P + "language").split(",")));
    } catch (IllegalArgumentException e) {
      throw Settings.bad(P + "language", c.getValue(P + "language").unwrapped(),
          "a language code (" + String.join(", ", Language.codes()) + "), a list of them, or auto");
    }
    List<String> kinds = Settings.stringList(c, P + "terms");
    if (kinds.isEmpty() || !KINDS.containsAll(kinds)) {
      throw Settings.bad(P + "terms", kinds, "a non-empty list of " + String.join(", ", KINDS));
    }
    int min = Settings.intIn(c, P + "subword-min", 1, 20);
    int max = Settings.intIn(c, P + "subword-max", min, 20);
    return new Featurization(TextCleaner.RULES, langs, Settings.bool(c, P + "stem"), Settings.bool(c, P + "fold-accents"),
        kinds, min, max, Settings.intIn(c, P + "description-chars", 0, Integer.MAX_VALUE),
        Settings.intIn(c, P + "max-field-chars", 1, Integer.MAX_VALUE), Settings.intIn(c, P + "num-features", 2, 1 << 30),
        FeatureHashing.HASH_NAME);
  }

  /** The featurization of the reference configuration (every default). */
  public static Featurization defaults() {
    return Defaults.VALUE;
  }

  /** Parsed once, on first use. */
  private static final class Defaults {
    static final Featurization VALUE = from(Settings.reference());
  }

  private static List<String> languages(List<String> given) {
    List<String> out = new ArrayList<>();
    for (String g : given) {
      String code = g.trim();
      if (code.equals(AUTO) && given.size() == 1) {
        return Language.codes();
      }
      Language.of(code);
      if (!out.contains(code)) {
        out.add(code);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no language");
    }
    return out;
  }

  /** The same featurization with other vector and field sizes (the Spark stages' own params). */
  public Featurization withSizes(int maxFieldChars, int numFeatures) {
    return new Featurization(rules, languages, stem, foldAccents, terms, subwordMin, subwordMax, descriptionChars,
        maxFieldChars, numFeatures, hash);
  }

  public TextCleaner cleaner() {
    return TextCleaner.of(languages, stem, foldAccents);
  }

  /** One product's features: every field's tokens (the hashed vector's input) and the classifier's terms. */
  public record Analysis(List<String> tokens, List<String> terms) {}

  /**
   * The tokens and terms of one product, its fields in the order of {@link ProductText#FIELDS}
   * (any other list: its first field is the title, its second the description).
   */
  public Analysis analyze(List<String> fieldValues) {
    return analyze(fieldValues, true);
  }

  /** {@link #analyze}; without {@code withTokens} the tokens are empty and the full description is not cleaned. */
  private Analysis analyze(List<String> fieldValues, boolean withTokens) {
    if (fieldValues.isEmpty()) {
      return new Analysis(List.of(), List.of());
    }
    List<String> values = new ArrayList<>(fieldValues.size() + 1);
    for (String v : fieldValues) {
      values.add(ProductText.truncate(v, maxFieldChars));
    }
    int n = values.size();
    String description = n > DESCRIPTION ? values.get(DESCRIPTION) : null;
    String shortDescription = ProductText.truncate(description, descriptionChars);
    boolean cut = description != null && shortDescription.length() < description.length();
    if (cut) {
      values.set(DESCRIPTION, shortDescription);
      values.add(description); // cleaned in the same language, for the tokens only
    }
    // The full description's tokens are only the vector's: for terms alone it only votes for the language.
    // Terms alone stop cleaning at MAX_TERMS distinct field tokens: the terms after them are dropped anyway.
    List<List<String>> fields = withTokens ? cleaner().fields(values) : cleaner().fields(values, n, MAX_TERMS);
    List<String> tokens = new ArrayList<>();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (withTokens) {
        tokens.addAll(cut && i == DESCRIPTION ? fields.get(fields.size() - 1) : fields.get(i));
      }
      if (terms.contains(FIELDS)) {
        out.addAll(fields.get(i));
      }
    }
    List<String> title = fields.get(0);
    if (terms.contains(TITLE)) {
      for (String t : title) {
        out.add(TITLE_PREFIX + t);
      }
    }
    if (terms.contains(BIGRAMS)) {
      for (int i = 0; i + 1 < title.size(); i++) {
        out.add(BIGRAM_PREFIX + title.get(i) + "_" + title.get(i + 1));
      }
    }
    if (terms.contains(SUBWORDS)) {
      for (String t : title) {
        subwords(t, out);
      }
    }
    // Distinct (the model reads each term once) and capped, the first ones in the order above.
    java.util.LinkedHashSet<String> distinct = new java.util.LinkedHashSet<>();
    for (int i = 0; i < out.size() && distinct.size() < MAX_TERMS; i++) {
      distinct.add(out.get(i));
    }
    return new Analysis(tokens, new ArrayList<>(distinct));
  }

  /**
   * The classifier's terms of one product ({@code analyze(fieldValues).terms()}, without the work
   * that only the tokens need: serving's cost per product).
   */
  public List<String> terms(List<String> fieldValues) {
    return analyze(fieldValues, false).terms();
  }

  private void subwords(String token, List<String> out) {
    String framed = "<" + token + ">";
    int[] cps = framed.codePoints().toArray();
    for (int n = subwordMin; n <= subwordMax; n++) {
      for (int i = 0; i + n <= cps.length; i++) {
        out.add(SUBWORD_PREFIX + new String(cps, i, n));
      }
    }
  }

  /** The recorded form (column metadata, model metadata), keys as in {@code featurize.*}. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rules", rules);
    m.put("languages", languages);
    m.put("stem", stem);
    m.put("fold-accents", foldAccents);
    m.put("terms", terms);
    m.put("subword-min", subwordMin);
    m.put("subword-max", subwordMax);
    m.put("description-chars", descriptionChars);
    m.put("max-field-chars", maxFieldChars);
    m.put("num-features", numFeatures);
    m.put("hash", hash);
    return m;
  }

  /** The recorded form read back; {@code source} names where it came from in errors. */
  public static Featurization fromMap(Map<?, ?> m, String source) {
    try {
      return new Featurization(num(m, "rules"), strings(m, "languages"), bool(m, "stem"), bool(m, "fold-accents"),
          strings(m, "terms"), num(m, "subword-min"), num(m, "subword-max"), num(m, "description-chars"),
          num(m, "max-field-chars"), num(m, "num-features"), String.valueOf(get(m, "hash")));
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new IllegalArgumentException("Cannot read the featurization recorded in " + source + ": " + e.getMessage()
          + " (found " + m + ")", e);
    }
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(toMap());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Featurization fromJson(String json, String source) {
    try {
      return fromMap(JSON.readValue(json, Map.class), source);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("Cannot read the featurization recorded in " + source + ": " + e.getMessage(), e);
    }
  }

  /** The settings on one line, for messages. */
  public String describe() {
    return toJson();
  }

  private static Object get(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (v == null) {
      throw new IllegalArgumentException("no key " + key);
    }
    return v;
  }

  private static int num(Map<?, ?> m, String key) {
    return ((Number) get(m, key)).intValue();
  }

  private static boolean bool(Map<?, ?> m, String key) {
    return (Boolean) get(m, key);
  }

  private static List<String> strings(Map<?, ?> m, String key) {
    List<String> out = new ArrayList<>();
    for (Object o : (List<?>) get(m, key)) {
      out.add(String.valueOf(o));
    }
    return out;
  }
}
