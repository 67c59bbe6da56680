package dev.nightjar.text;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.lucene.analysis.CharArraySet;
import org.tartarus.snowball.SnowballStemmer;

/**
 * A language the cleaner knows: its stop words and elision articles (Lucene's analyzers' lists)
 * and its Snowball stemmer (Lucene's copy of snowballstem.org). English keeps the project's own
 * stop list ({@code stopwords-en.txt}: 173 words, the list the classifier was measured with;
 * Lucene's English set has 33).
 */
public record Language(String code, Set<String> stopWords, Set<String> articles, Supplier<SnowballStemmer> stemmer) {

  /** Every supported language, by ISO 639-1 code; {@code auto} chooses among all of them. */
  public static final Map<String, Language> ALL = build();

  /** The language of a code, or an error naming the supported ones. */
  public static Language of(String code) {
    Language l = ALL.get(code);
    if (l == null) {
      throw new IllegalArgumentException(
          "Unknown language " + code + ": expected one of " + String.join(", ", ALL.keySet()) + " or auto");
    }
    return l;
  }

  private static Map<String, Language> build() {
    Map<String, Language> m = new LinkedHashMap<>();
    add(m, "en", StopWords.ENGLISH, Set.of(), org.tartarus.snowball.ext.EnglishStemmer::new);
    add(m, "fr", set(org.apache.lucene.analysis.fr.FrenchAnalyzer.getDefaultStopSet()),
        set(org.apache.lucene.analysis.fr.FrenchAnalyzer.DEFAULT_ARTICLES), org.tartarus.snowball.ext.FrenchStemmer::new);
    add(m, "de", set(org.apache.lucene.analysis.de.GermanAnalyzer.getDefaultStopSet()), Set.of(),
        org.tartarus.snowball.ext.GermanStemmer::new);
    add(m, "es", set(org.apache.lucene.analysis.es.SpanishAnalyzer.getDefaultStopSet()), Set.of(),
        org.tartarus.snowball.ext.SpanishStemmer::new);
    // ItalianAnalyzer's and CatalanAnalyzer's elision sets are private; these are their contents.
    add(m, "it", set(org.apache.lucene.analysis.it.ItalianAnalyzer.getDefaultStopSet()),
        Set.of("c", "l", "all", "dall", "dell", "nell", "sull", "coll", "pell", "gl", "agl", "dagl", "degl", "negl",
            "sugl", "un", "m", "t", "s", "v", "d"),
        org.tartarus.snowball.ext.ItalianStemmer::new);
    add(m, "pt", set(org.apache.lucene.analysis.pt.PortugueseAnalyzer.getDefaultStopSet()), Set.of(),
        org.tartarus.snowball.ext.PortugueseStemmer::new);
    add(m, "ca", set(org.apache.lucene.analysis.ca.CatalanAnalyzer.getDefaultStopSet()),
        Set.of("d", "l", "m", "n", "s", "t"), org.tartarus.snowball.ext.CatalanStemmer::new);
    add(m, "nl", set(org.apache.lucene.analysis.nl.DutchAnalyzer.getDefaultStopSet()), Set.of(),
        org.tartarus.snowball.ext.DutchStemmer::new);
    add(m, "sv", set(org.apache.lucene.analysis.sv.SwedishAnalyzer.getDefaultStopSet()), Set.of(),
        org.tartarus.snowball.ext.SwedishStemmer::new);
    add(m, "da", set(org.apache.lucene.analysis.da.DanishAnalyzer.getDefaultStopSet()), Set.of(),
        org.tartarus.snowball.ext.DanishStemmer::new);
    add(m, "no", set(org.apache.lucene.analysis.no.NorwegianAnalyzer.getDefaultStopSet()), Set.of(),
        org.tartarus.snowball.ext.NorwegianStemmer::new);
    add(m, "fi", set(org.apache.lucene.analysis.fi.FinnishAnalyzer.getDefaultStopSet()), Set.of(),
        org.tartarus.snowball.ext.FinnishStemmer::new);
    add(m, "ru", set(org.apache.lucene.analysis.ru.RussianAnalyzer.getDefaultStopSet()), Set.of(),
        org.tartarus.snowball.ext.RussianStemmer::new);
    return java.util.Collections.unmodifiableMap(m);
  }

  private static void add(Map<String, Language> m, String code, Set<String> stop, Set<String> articles,
      Supplier<SnowballStemmer> stemmer) {
    m.put(code, new Language(code, Set.copyOf(stop), Set.copyOf(articles), stemmer));
  }

  /** A Lucene set's words as strings (its iterator yields the original char[] keys). */
  private static Set<String> set(CharArraySet s) {
    Set<String> out = new HashSet<>();
    for (Object o : s) {
      out.add(o instanceof char[] c ? new String(c) : o.toString());
    }
    return out;
  }

  /** The codes, for messages. */
  public static List<String> codes() {
    return new ArrayList<>(ALL.keySet());
  }
}
