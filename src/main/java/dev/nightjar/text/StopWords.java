package dev.nightjar.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/** Stop-word lists shipped in the jar ({@code stopwords-en.txt} beside this class). */
public final class StopWords {
  /** English function words: articles, pronouns, auxiliaries, prepositions, conjunctions. */
  public static final Set<String> ENGLISH = load("stopwords-en.txt");

  private StopWords() {}

  static Set<String> load(String resource) {
    try (InputStream in = StopWords.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("Missing resource " + resource);
      }
      Set<String> words = new HashSet<>();
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = r.readLine()) != null; ) {
        line = line.trim();
        if (!line.isEmpty() && !line.startsWith("#")) {
          words.add(line);
        }
      }
      return Set.copyOf(words);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
