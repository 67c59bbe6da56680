package dev.nightjar.text;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns raw product text into tokens. Plain Java with no Spark dependency: the batch job (through
 * {@link ProductTokenizer}) and the serving code clean a product with this same class.
 *
 * <p>The rules, in the order they apply:
 *
 * <ol>
 *   <li><b>Markup.</b> {@code <script>} and {@code <style>} elements are removed with their
 *       content; HTML comments and every other tag ({@code <p>}, {@code </b>}, {@code <br/>}) become
 *       a space. A {@code <} that does not start a tag ({@code 5 < 6}) is kept as text.
 *   <li><b>Entities.</b> Named ({@code &amp;}, {@code &nbsp;}, ...), decimal ({@code &#39;}) and
 *       hex ({@code &#x27;}) entities are decoded; an unknown name becomes a space.
 *   <li><b>URLs and e-mail addresses.</b> A word starting with {@code http://}, {@code https://},
 *       {@code ftp://} or {@code www.} is removed up to the next whitespace, as is any word
 *       containing {@code @} followed by a domain.
 *   <li><b>Case.</b> Letters are lower-cased (Unicode, locale-independent).
 *   <li><b>Special characters.</b> Every character that is not a letter or a digit separates
 *       tokens, except an apostrophe between letters, which is dropped ({@code men's} → {@code
 *       mens}). Accented and non-Latin letters are letters.
 *   <li><b>Stop words.</b> Tokens in the stop-word list ({@link StopWords#ENGLISH}) are removed.
 *   <li><b>Length.</b> Single letters are removed (left over from {@code t-shirt} or {@code
 *       5 x 7}); numbers of any length are kept ({@code 4 GB} → {@code 4}, {@code gb}).
 * </ol>
 */
public final class TextCleaner implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The cleaner every Nightjar job uses. */
  public static final TextCleaner DEFAULT = new TextCleaner(StopWords.ENGLISH);

  private static final Map<String, String> ENTITIES =
      Map.ofEntries(
          Map.entry("amp", "&"),
          Map.entry("lt", "<"),
          Map.entry("gt", ">"),
          Map.entry("quot", "\""),
          Map.entry("apos", "'"),
          Map.entry("nbsp", " "),
          Map.entry("copy", "©"),
          Map.entry("reg", "®"),
          Map.entry("trade", "™"),
          Map.entry("hellip", "…"),
          Map.entry("mdash", "—"),
          Map.entry("ndash", "–"),
          Map.entry("lsquo", "'"),
          Map.entry("rsquo", "'"),
          Map.entry("ldquo", "\""),
          Map.entry("rdquo", "\""),
          Map.entry("bull", "•"),
          Map.entry("deg", "°"),
          Map.entry("times", "×"),
          Map.entry("eacute", "é"),
          Map.entry("egrave", "è"),
          Map.entry("uuml", "ü"),
          Map.entry("ouml", "ö"),
          Map.entry("auml", "ä"),
          Map.entry("szlig", "ß"),
          Map.entry("ntilde", "ñ"),
          Map.entry("ccedil", "ç"));

  private final Set<String> stopWords;

  public TextCleaner(Set<String> stopWords) {
    this.stopWords = Set.copyOf(stopWords);
  }

  /** The tokens of one text, in order. Null or blank text gives no tokens. */
  public List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    tokens(text, out);
    return out;
  }

  /** Appends the tokens of {@code text} to {@code out} (lets callers join several fields). */
  public void tokens(String text, List<String> out) {
    if (text == null || text.isEmpty()) {
      return;
    }
    CharSequence plain = (text.indexOf('<') >= 0 || text.indexOf('&') >= 0) ? stripMarkup(text) : text;
    tokenize(plain, out);
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
        for (int j = i + 1; j < n && j <= i + 32; j++) {
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
    String v = ENTITIES.get(name.toLowerCase(java.util.Locale.ROOT));
    return v == null ? " " : v;
  }

  /** Rules 3 to 7. */
  private void tokenize(CharSequence s, List<String> out) {
    int n = s.length();
    StringBuilder tok = new StringBuilder(32);
    int i = 0;
    while (i < n) {
      int cp = Character.codePointAt(s, i);
      if (!Character.isLetterOrDigit(cp)) {
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
          i++; // apostrophe inside a word: dropped
        } else if (cp == '@' && i + 1 < n && Character.isLetterOrDigit(s.charAt(i + 1))) {
          email = true;
          i = nextWhitespace(s, i);
          break;
        } else {
          break;
        }
      }
      if (email) {
        continue;
      }
      emit(tok, out);
    }
  }

  private void emit(StringBuilder tok, List<String> out) {
    int len = tok.length();
    if (len == 0) {
      return;
    }
    if (len == 1 && !Character.isDigit(tok.charAt(0))) {
      return;
    }
    String t = tok.toString();
    if (!stopWords.contains(t)) {
      out.add(t);
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
