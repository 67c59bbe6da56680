package dev.nightjar.sample;

import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.text.StopWords;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Category-specific words for generated products. Each category's words are the words of its
 * name plus made-up but pronounceable words ("vorlani", "kessomir") drawn from a generator seeded
 * by the category's path, so any taxonomy, even one read from a file, gets its own stable
 * vocabulary.
 */
final class Vocabulary implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final String[] ONSETS = {
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
    "br", "cr", "dr", "fl", "gr", "kl", "pr", "st", "tr", "sh", "ch", "th", "qu"
  };
  private static final String[] VOWELS = {"a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"};
  private static final String[] CODAS = {"", "", "", "n", "r", "l", "s", "m", "x", "nd", "rt", "sk"};

  static final String[] ADJECTIVES = {
    "new", "premium", "classic", "modern", "stylish", "durable", "lightweight", "soft", "handmade",
    "original", "elegant", "comfortable", "portable", "compact", "luxury", "vintage", "essential",
    "professional", "deluxe", "everyday", "natural", "organic", "waterproof", "slim", "heavy"
  };
  static final String[] COLORS = {
    "black", "white", "red", "blue", "navy", "green", "grey", "pink", "beige", "brown", "gold",
    "silver", "purple", "yellow", "orange", "teal", "maroon", "ivory"
  };
  static final String[] MATERIALS = {
    "cotton", "steel", "wood", "plastic", "leather", "ceramic", "glass", "silk", "wool", "bamboo",
    "aluminium", "polyester", "rubber", "linen", "nylon", "brass"
  };
  static final String[] SIZES = {
    "small", "medium", "large", "xl", "xxl", "mini", "500ml", "1l", "2kg", "250g", "12 inch",
    "set of 2", "pack of 3", "king size", "queen size"
  };
  static final String[] SEASONS = {"Summer", "Winter", "Spring", "Autumn", "Holiday", "Festive", "Everyday"};
  static final String[] FILLER_SENTENCES = {
    "This is one of the best products in our store and it is loved by our customers.",
    "It is perfect for daily use and makes a great gift for your family and friends.",
    "We are sure that you will be happy with the quality of this item.",
    "Please note that the colour may vary slightly from the picture on your screen.",
    "All of our products are checked by hand before they are shipped to you.",
    "Order now and get free shipping on all orders over 50.",
  };

  private final List<String[]> words;

  Vocabulary(Taxonomy taxonomy, long seed) {
    List<String[]> w = new ArrayList<>();
    Set<String> stop = StopWords.ENGLISH;
    for (Taxonomy.Node n : taxonomy.nodes()) {
      Set<String> ws = new LinkedHashSet<>();
      for (String part : n.name().toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
        if (part.length() > 1 && !stop.contains(part)) {
          ws.add(part);
        }
      }
      SplittableRandom r = new SplittableRandom(seed ^ (n.path().hashCode() * 0x9E3779B97F4A7C15L));
      int invented = n.index() == 0 ? 0 : (n.depth() == 1 ? 4 : 8);
      int target = ws.size() + invented;
      while (ws.size() < target) {
        ws.add(inventWord(r));
      }
      w.add(ws.toArray(new String[0]));
    }
    this.words = w;
  }

  /** The words of category {@code index}: name words first, then invented ones. */
  String[] of(int index) {
    return words.get(index);
  }

  static String inventWord(SplittableRandom r) {
    StringBuilder sb = new StringBuilder();
    int syllables = 2 + r.nextInt(2);
    for (int s = 0; s < syllables; s++) {
      sb.append(ONSETS[r.nextInt(ONSETS.length)]).append(VOWELS[r.nextInt(VOWELS.length)]);
    }
    sb.append(CODAS[r.nextInt(CODAS.length)]);
    return sb.toString();
  }
}
