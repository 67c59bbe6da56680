package dev.nightjar.common;

import java.util.Collection;
import java.util.Optional;

/** "Did you mean ...": the known name nearest to a misspelled one (Levenshtein distance). */
public final class Suggest {
  private Suggest() {}

  /**
   * The candidate closest to {@code typed}, when it is close enough to be a typo: at most a third
   * of the longer name's characters differ (so {@code featurise} finds {@code featurize}, and a
   * name unlike any other finds nothing).
   */
  public static Optional<String> nearest(String typed, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = distance(typed.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    if (best == null || bestDistance == 0 && best.equals(typed)) {
      return Optional.empty();
    }
    int limit = Math.max(1, Math.max(typed.length(), best.length()) / 3);
    return bestDistance <= limit ? Optional.of(best) : Optional.empty();
  }

  /** {@code "; did you mean X?"}, or empty. */
  public static String hint(String typed, Collection<String> candidates, String prefix) {
    return nearest(typed, candidates).map(s -> "; did you mean " + prefix + s + "?").orElse("");
  }

  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
