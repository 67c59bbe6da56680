package dev.nightjar.search;

import java.util.Locale;

/**
 * The one definition of a normalized search query, shared by the {@code entropy} job (which
 * groups the search log by it) and by {@link EntropyLookup} (which serving calls with the
 * user's raw query): lower-cased (locale independent), trimmed, and every run of whitespace
 * (Unicode spaces included) replaced by one space. Plain Java, no Spark.
 */
public final class QueryNormalizer {
  private QueryNormalizer() {}

  /** The normalized query; null for null, and "" for a query with no visible characters. */
  public static String normalize(String query) {
    if (query == null) {
      return null;
    }
    String lower = query.toLowerCase(Locale.ROOT);
    StringBuilder sb = new StringBuilder(lower.length());
    boolean pendingSpace = false;
    for (int i = 0; i < lower.length(); ) {
      int cp = lower.codePointAt(i);
      i += Character.charCount(cp);
      if (isSpace(cp)) {
        pendingSpace = sb.length() > 0;
      } else {
        if (pendingSpace) {
          sb.append(' ');
          pendingSpace = false;
        }
        sb.appendCodePoint(cp);
      }
    }
    return sb.toString();
  }

  /** Java whitespace plus Unicode space separators (no-break space and the like). */
  static boolean isSpace(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
  }
}
