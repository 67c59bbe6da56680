package dev.nightjar.text;

import java.io.Serializable;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.jsoup.nodes.Entities;
import org.tartarus.snowball.SnowballStemmer;

/**
 * Turns raw product text into tokens. Plain Java with no Spark dependency: the batch jobs (through
 * {@link Featurization}) and the serving code clean a product with this same class. One cleaner
 * per (languages, stemming, accent folding), shared and thread-safe ({@link #of}).
 *
 * <p>The rules ({@value #RULES}th version), in the order they apply:
 *
 * <ol>
 *   <li><b>Markup.</b> {@code <script>} and {@code <style>} elements are removed with their
 *       content; HTML comments and every other tag ({@code <p>}, {@code </b>}, {@code <br/>}) become
 *       a space. A {@code <} that does not start a tag ({@code 5 < 6}) is kept as text.
 *   <li><b>Entities.</b> HTML5's full named set (jsoup's table: {@code &Aacute;}, {@code &euro;},
 *       {@code &frac12;}, ...; names are case-sensitive as in HTML5, with a lower-case retry),
 *       decimal ({@code &#39;}) and hex ({@code &#x27;}) entities are decoded; an unknown name
 *       becomes a space.
 *   <li><b>Unicode.</b> Text with any non-ASCII character is NFKC-normalized (full-width forms,
 *       ligatures, composed accents all become one form).
 *   <li><b>URLs and e-mail addresses.</b> A word starting with {@code http://}, {@code https://},
 *       {@code ftp://} or {@code www.} is removed up to the next whitespace, as is any word
 *       containing {@code @} followed by a domain.
 *   <li><b>Case.</b> Letters are lower-cased (Unicode, locale-independent).
 *   <li><b>Special characters.</b> Every character that is not a letter or a digit separates
 *       tokens, except an apostrophe between letters; a currency symbol ({@code €}, {@code $},
 *       {@code ₹}) is a token of its own.
 *   <li><b>Language.</b> With one language, that one; with several, per product (all its fields
 *       together, {@link #fields}), the language whose stop words occur most often in it, if
 *       that is at least {@value #MARGIN} more than the first listed language's; else the first.
 *   <li><b>Elisions and apostrophes.</b> A token starting with one of the language's elided
 *       articles and an apostrophe loses them ({@code l'ordinateur} → {@code ordinateur}); other
 *       apostrophes are dropped ({@code men's} → {@code mens}).
 *   <li><b>Length.</b> Single letters are removed; numbers of any length are kept.
 *   <li><b>Stop words.</b> The language's stop words are removed ({@link Language}).
 *   <li><b>Stemming</b> (optional). Tokens without digits are reduced by the language's Snowball
 *       stemmer ({@code chaussures} → {@code chaussur}).
 *   <li><b>Accent folding</b> (optional). Lucene's ASCII folding ({@code canción} → {@code
 *       cancion}, {@code straße} → {@code strasse}); stop words match with or without accents.
 * </ol>
 */
public final class TextCleaner implements Serializable {
  private static final long serialVersionUID = 2L;

  /** The version of the rules above; recorded with every featurization. */
  public static final int RULES = 2;

  private static final Map<String, TextCleaner> CACHE = new ConcurrentHashMap<>();
  /** How many more stop words than the first language another one needs to be chosen. */
  static final int MARGIN = 2;
  /** Past this many distinct words a thread's stem cache starts again (bounded memory). */
  private static final int STEM_CACHE = 100_000;

  /** The cleaner of the default featurization: English, no stemming, accents kept. */
  public static final TextCleaner DEFAULT = of(List.of("en"), false, false);

  private final List<String> codes;
  private final boolean stem;
  private final boolean foldAccents;
  private final transient Language[] languages;
  /** Token to the bit mask of the languages (by index) whose stop list has it. */
  private final transient Map<String, Integer> stopMask;
  private final transient ThreadLocal<Stemmers> stemmers;

  /** The shared cleaner for these settings; {@code languages} are codes of {@link Language#ALL}. */
  public static TextCleaner of(List<String> languages, boolean stem, boolean foldAccents) {
    String key = languages + "|" + stem + "|" + foldAccents;
    return CACHE.computeIfAbsent(key, k -> new TextCleaner(languages, stem, foldAccents));
  }

  private TextCleaner(List<String> codes, boolean stem, boolean foldAccents) {
    if (codes.isEmpty() || codes.size() > 31) {
      throw new IllegalArgumentException("Expected 1 to 31 languages, found " + codes);
    }
    this.codes = List.copyOf(codes);
    this.stem = stem;
    this.foldAccents = foldAccents;
    this.languages = codes.stream().map(Language::of).toArray(Language[]::new);
    Map<String, Integer> mask = new HashMap<>();
    for (int i = 0; i < languages.length; i++) {
      int bit = 1 << i;
      for (String w : languages[i].stopWords()) {
        mask.merge(w, bit, (a, b) -> a | b);
        if (foldAccents) {
          mask.merge(fold(w), bit, (a, b) -> a | b);
        }
      }
    }
    this.stopMask = mask;
    this.stemmers = ThreadLocal.withInitial(() -> new Stemmers(languages.length));
  }

  /** A deserialized cleaner is the shared one of its settings (its tables are not serialized). */
  private Object readResolve() {
    return of(codes, stem, foldAccents);
  }

  public List<String> languages() {
    return codes;
  }

  /** The tokens of one text, in order (its language chosen from it alone). Null or blank gives none. */
  public List<String> tokens(String text) {
    List<String> raw = new ArrayList<>();
    split(text, raw);
    List<String> out = new ArrayList<>(raw.size());
    finish(raw, language(List.of(raw)), out);
    return out;
  }

  /**
   * The tokens of each field of one product, cleaned in one language chosen from all of them
   * (rule 7). Null fields give no tokens.
   */
  public List<List<String>> fields(List<String> values) {
    return fields(values, values.size());
  }

  /**
   * The tokens of the first {@code clean} of a product's fields, the language chosen from all of
   * them (rule 7): the others only vote for the language, so they are split but not cleaned
   * further, and not read at all with one language.
   */
  public List<List<String>> fields(List<String> values, int clean) {
    return fields(values, clean, Integer.MAX_VALUE);
  }

  /**
   * {@link #fields(List, int)}, cleaning no further once the fields' tokens hold {@code
   * maxDistinct} distinct ones (the fields after are then empty): a reader of the first distinct
   * tokens only pays for those, whatever the product's size.
   */
  public List<List<String>> fields(List<String> values, int clean, int maxDistinct) {
    int read = languages.length == 1 ? clean : values.size();
    List<List<String>> raw = new ArrayList<>(read);
    for (int i = 0; i < read; i++) {
      List<String> r = new ArrayList<>();
      split(values.get(i), r);
      raw.add(r);
    }
    int lang = language(raw);
    List<List<String>> out = new ArrayList<>(clean);
    java.util.Set<String> seen = maxDistinct == Integer.MAX_VALUE ? null : new java.util.HashSet<>();
    boolean full = false;
    for (int i = 0; i < clean; i++) {
      List<String> r = raw.get(i);
      List<String> o = new ArrayList<>(full ? 0 : r.size());
      full = full || finish(r, lang, o, seen, maxDistinct);
      out.add(o);
    }
    return out;
  }

  /** Rules 1 to 6: the raw tokens of {@code text} (lower case, apostrophes kept) appended to {@code out}. */
  void split(String text, List<String> out) {
    if (text == null || text.isEmpty()) {
      return;
    }
    String plain = (text.indexOf('<') >= 0 || text.indexOf('&') >= 0) ? stripMarkup(text).toString() : text;
    tokenize(nfkc(plain), out);
  }

  /** Rule 7: the index of the language of a product's raw tokens. */
  int language(List<List<String>> raw) {
    if (languages.length == 1) {
      return 0;
    }
    int[] hits = new int[languages.length];
    for (List<String> field : raw) {
      for (String t : field) {
        Integer m = stopMask.get(t);
        if (m != null) {
          for (int b = m; b != 0; b &= b - 1) {
            hits[Integer.numberOfTrailingZeros(b)]++;
          }
        }
      }
    }
    // One stop word is weak evidence (English "men" is a Dutch stop word): another language than
    // the first must beat it by MARGIN.
    int best = 0;
    for (int i = 1; i < hits.length; i++) {
      if (hits[i] >= hits[0] + MARGIN && hits[i] > hits[best]) {
        best = i;
      }
    }
    return best;
  }

  /** Rules 8 to 12 on raw tokens, in language {@code lang}, appended to {@code out}. */
  void finish(List<String> raw, int lang, List<String> out) {
    finish(raw, lang, out, null, Integer.MAX_VALUE);
  }

  /** {@link #finish(List, int, List)} until {@code seen} (when not null) holds {@code maxDistinct} tokens; true then. */
  private boolean finish(List<String> raw, int lang, List<String> out, java.util.Set<String> seen, int maxDistinct) {
    Language l = languages[lang];
    int bit = 1 << lang;
    for (String t : raw) {
      int apostrophe = t.indexOf('\'');
      if (apostrophe >= 0) {
        if (!l.articles().isEmpty() && l.articles().contains(t.substring(0, apostrophe))) {
          t = t.substring(apostrophe + 1);
        }
        t = t.replace("'", "");
      }
      if (t.isEmpty() || (t.length() == 1 && Character.isLetter(t.charAt(0)))) {
        continue;
      }
      Integer m = stopMask.get(t);
      if (m != null && (m & bit) != 0) {
        continue;
      }
      if (stem && !hasDigit(t)) {
        t = stemmers.get().stem(lang, l, t);
      }
      if (foldAccents) {
        t = fold(t);
      }
      out.add(t);
      if (seen != null && seen.add(t) && seen.size() >= maxDistinct) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasDigit(String t) {
    for (int i = 0; i < t.length(); i++) {
      if (Character.isDigit(t.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static String nfkc(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return Normalizer.normalize(s, Normalizer.Form.NFKC);
      }
    }
    return s;
  }

  /** Lucene's ASCII folding of one token (unchanged when it is ASCII). */
  static String fold(String t) {
    int i = 0;
    while (i < t.length() && t.charAt(i) < 0x80) {
      i++;
    }
    if (i == t.length()) {
      return t;
    }
    char[] in = t.toCharArray();
    char[] out = new char[4 * in.length];
    int n = ASCIIFoldingFilter.foldToASCII(in, 0, out, 0, in.length);
    return new String(out, 0, n);
  }

  /** One thread's stemmers (Snowball's are not thread-safe) and their caches of recent words. */
  private static final class Stemmers {
    private final SnowballStemmer[] stemmers;
    private final List<Map<String, String>> caches = new ArrayList<>();

    Stemmers(int n) {
      stemmers = new SnowballStemmer[n];
      for (int i = 0; i < n; i++) {
        caches.add(new HashMap<>());
      }
    }

    String stem(int i, Language l, String word) {
      Map<String, String> cache = caches.get(i);
      String s = cache.get(word);
      if (s == null) {
        if (stemmers[i] == null) {
          stemmers[i] = l.stemmer().get();
        }
        SnowballStemmer st = stemmers[i];
        st.setCurrent(word);
        st.stem();
        s = st.getCurrent();
        if (cache.size() >= STEM_CACHE) {
          cache.clear();
        }
        cache.put(word, s);
      }
      return s;
    }
  }

  /** Rules 1 and 2: markup removed, entities decoded. */
  static CharSequence stripMarkup(String s) {
    int n = s.length();
    StringBuilder sb = new StringBuilder(n);
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      if (c == '<') {
        int end = skipTag(s, i);
        if (end > i) {
          sb.append(' ');
          i = end;
          continue;
        }
        sb.append(c);
        i++;
      } else if (c == '&') {
        int semi = -1;
        for (int j = i + 1; j < n && j <= i + 34; j++) {
          char d = s.charAt(j);
          if (d == ';') {
            semi = j;
            break;
          }
          if (!Character.isLetterOrDigit(d) && d != '#') {
            break;
          }
        }
        if (semi < 0) {
          sb.append(c);
          i++;
          continue;
        }
        sb.append(decodeEntity(s.substring(i + 1, semi)));
        i = semi + 1;
      } else {
        sb.append(c);
        i++;
      }
    }
    return sb;
  }

  /** The index after the tag starting at {@code i}, or {@code i} when it is not a tag. */
  private static int skipTag(String s, int i) {
    int n = s.length();
    if (i + 1 >= n) {
      return i;
    }
    if (s.startsWith("<!--", i)) {
      int end = s.indexOf("-->", i + 4);
      return end < 0 ? n : end + 3;
    }
    char next = s.charAt(i + 1);
    if (!(Character.isLetter(next) || next == '/' || next == '!' || next == '?')) {
      return i;
    }
    int close = s.indexOf('>', i + 1);
    if (close < 0) {
      return i;
    }
    for (String element : new String[] {"script", "style"}) {
      if (s.regionMatches(true, i + 1, element, 0, element.length())) {
        String endTag = "</" + element;
        int end = indexOfIgnoreCase(s, endTag, close + 1);
        if (end < 0) {
          return n;
        }
        int endClose = s.indexOf('>', end);
        return endClose < 0 ? n : endClose + 1;
      }
    }
    return close + 1;
  }

  private static int indexOfIgnoreCase(String s, String needle, int from) {
    for (int i = from; i + needle.length() <= s.length(); i++) {
      if (s.regionMatches(true, i, needle, 0, needle.length())) {
        return i;
      }
    }
    return -1;
  }

  private static String decodeEntity(String name) {
    if (name.startsWith("#")) {
      try {
        int cp =
            (name.length() > 1 && (name.charAt(1) == 'x' || name.charAt(1) == 'X'))
                ? Integer.parseInt(name.substring(2), 16)
                : Integer.parseInt(name.substring(1));
        return Character.isValidCodePoint(cp) ? new String(Character.toChars(cp)) : " ";
      } catch (NumberFormatException e) {
        return " ";
      }
    }
    if (Entities.isNamedEntity(name)) {
      return Entities.getByName(name);
    }
    String lower = name.toLowerCase(java.util.Locale.ROOT);
    return Entities.isNamedEntity(lower) ? Entities.getByName(lower) : " ";
  }

  /** Rules 4 to 6. */
  private static void tokenize(CharSequence s, List<String> out) {
    int n = s.length();
    StringBuilder tok = new StringBuilder(32);
    int i = 0;
    while (i < n) {
      int cp = Character.codePointAt(s, i);
      if (!Character.isLetterOrDigit(cp)) {
        if (Character.getType(cp) == Character.CURRENCY_SYMBOL) {
          out.add(new String(Character.toChars(cp))); // a price's currency: a token of its own
        }
        i += Character.charCount(cp);
        continue;
      }
      if (startsUrl(s, i)) {
        i = nextWhitespace(s, i);
        continue;
      }
      tok.setLength(0);
      boolean email = false;
      while (i < n) {
        cp = Character.codePointAt(s, i);
        if (Character.isLetterOrDigit(cp)) {
          tok.appendCodePoint(Character.toLowerCase(cp));
          i += Character.charCount(cp);
        } else if ((cp == '\'' || cp == '\u2019')
            && i + 1 < n
            && Character.isLetter(Character.codePointAt(s, i + 1))) {
          tok.append('\''); // apostrophe inside a word: elision or dropped (rule 8)
          i++;
        } else if (cp == '@' && i + 1 < n && Character.isLetterOrDigit(s.charAt(i + 1))) {
          email = true;
          i = nextWhitespace(s, i);
          break;
        } else {
          break;
        }
      }
      if (!email && tok.length() > 0) {
        out.add(tok.toString());
      }
    }
  }

  private static boolean startsUrl(CharSequence s, int i) {
    return regionMatches(s, i, "http://")
        || regionMatches(s, i, "https://")
        || regionMatches(s, i, "ftp://")
        || regionMatches(s, i, "www.");
  }

  private static boolean regionMatches(CharSequence s, int i, String prefix) {
    if (i + prefix.length() > s.length()) {
      return false;
    }
    for (int k = 0; k < prefix.length(); k++) {
      if (Character.toLowerCase(s.charAt(i + k)) != prefix.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static int nextWhitespace(CharSequence s, int i) {
    int n = s.length();
    while (i < n && !Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }
}
