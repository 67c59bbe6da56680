package dev.nightjar.sample;

import dev.nightjar.taxonomy.Taxonomy;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Generates labelled products, each a pure function of (seed, product number), so any executor
 * can generate any slice and the result never depends on partitioning.
 *
 * <p>The words of a product come mostly from its leaf category's vocabulary, some from its
 * ancestors', some from a sibling's (so siblings share words), plus generic adjectives, colors,
 * materials and sizes. Real-world noise: HTML tags and entities, URLs, stop-word sentences,
 * misspellings, mixed case and empty fields. A small share of products is written with a
 * sibling's words ({@link #CONFUSABLE_SHARE}), so that no classifier can be perfect, and a
 * configurable share of rows is bad (no id, a duplicate id, no usable text) to exercise the
 * quarantine.
 */
public final class ProductGenerator implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Share of products whose text comes mostly from a sibling category. */
  public static final double CONFUSABLE_SHARE = 0.04;

  public record Product(
      String productId,
      String title,
      String description,
      String collection,
      String tags,
      String vendor,
      String productType,
      String category) {}

  private final Taxonomy taxonomy;
  private final long seed;
  private final double badRowShare;
  private final Vocabulary vocabulary;
  private final int[] leaves;
  private final double[] leafCdf;
  private final String[][] vendorsByTop;

  public ProductGenerator(Taxonomy taxonomy, long seed, double badRowShare) {
    this.taxonomy = taxonomy;
    this.seed = seed;
    this.badRowShare = badRowShare;
    this.vocabulary = new Vocabulary(taxonomy, seed);
    this.leaves = taxonomy.leaves();
    // Popularity is skewed like a real catalog: leaf k (in a seeded shuffle) has weight 1/sqrt(k+1).
    int[] order = leaves.clone();
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = order.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    this.leafCdf = new double[order.length];
    double sum = 0;
    for (int k = 0; k < order.length; k++) {
      sum += 1.0 / Math.sqrt(k + 1);
      leafCdf[k] = sum;
    }
    for (int k = 0; k < order.length; k++) {
      leafCdf[k] /= sum;
    }
    System.arraycopy(order, 0, leaves, 0, order.length);
    int[] tops = taxonomy.children(0);
    this.vendorsByTop = new String[taxonomy.nodes().size()][];
    for (int t : tops) {
      SplittableRandom vr = new SplittableRandom(seed * 31 + t);
      String[] vs = new String[12];
      for (int i = 0; i < vs.length; i++) {
        String w = Vocabulary.inventWord(vr);
        vs[i] = Character.toUpperCase(w.charAt(0)) + w.substring(1) + (i % 3 == 0 ? " & Co" : "");
      }
      vendorsByTop[t] = vs;
    }
  }

  public Taxonomy taxonomy() {
    return taxonomy;
  }

  public Product generate(long i) {
    SplittableRandom r = new SplittableRandom(mix(seed, i));
    String id = String.format(Locale.ROOT, "p%09d", i);
    int leaf = leaves[pickLeaf(r.nextDouble())];
    Taxonomy.Node node = taxonomy.node(leaf);
    int wordSource = leaf;
    if (r.nextDouble() < CONFUSABLE_SHARE) {
      int sib = sibling(leaf, r);
      if (sib >= 0) {
        wordSource = sib;
      }
    }
    String[] own = vocabulary.of(wordSource);
    String[] parent = vocabulary.of(node.parent());
    int siblingIdx = sibling(leaf, r);
    String[] sibling = siblingIdx >= 0 ? vocabulary.of(siblingIdx) : own;
    int top = taxonomy.lineage(leaf).get(0).index();
    String vendor = pick(vendorsByTop[top], r);

    // Title: 2-3 own words, maybe a parent word, a sibling word, generic words.
    List<String> title = new ArrayList<>();
    if (r.nextDouble() < 0.3) {
      title.add(vendor);
    }
    if (r.nextDouble() < 0.5) {
      title.add(pick(Vocabulary.ADJECTIVES, r));
    }
    int ownWords = 2 + r.nextInt(2);
    for (int k = 0; k < ownWords; k++) {
      title.add(typo(pick(own, r), r));
    }
    if (r.nextDouble() < 0.4) {
      title.add(pick(parent, r));
    }
    if (r.nextDouble() < 0.25) {
      title.add(pick(sibling, r));
    }
    if (r.nextDouble() < 0.5) {
      title.add(pick(Vocabulary.COLORS, r));
    }
    if (r.nextDouble() < 0.3) {
      title.add(pick(Vocabulary.SIZES, r));
    }
    String titleText = casing(String.join(" ", title), r);

    String description = r.nextDouble() < 0.7 ? description(own, parent, sibling, vendor, id, r) : "";
    String collection =
        r.nextDouble() < 0.6
            ? pick(Vocabulary.SEASONS, r) + " " + taxonomy.node(node.parent()).name()
            : "";
    String tags = "";
    if (r.nextDouble() < 0.8) {
      List<String> t = new ArrayList<>();
      int n = 2 + r.nextInt(3);
      for (int k = 0; k < n; k++) {
        t.add(k % 2 == 0 ? pick(own, r) : pick(k == 1 ? parent : Vocabulary.MATERIALS, r));
      }
      tags = String.join(", ", t);
    }
    double u = r.nextDouble();
    String productType =
        u < 0.45 ? taxonomy.node(node.parent()).name() : u < 0.65 ? node.name() : "";

    Product p = new Product(id, titleText, description, collection, tags, vendor, productType, node.path());
    return r.nextDouble() < badRowShare ? spoil(p, i, r) : p;
  }

  private String description(
      String[] own, String[] parent, String[] sibling, String vendor, String id, SplittableRandom r) {
    StringBuilder sb = new StringBuilder();
    boolean html = r.nextDouble() < 0.4;
    if (html) {
      sb.append("<p>");
    }
    sb.append("The ").append(pick(Vocabulary.ADJECTIVES, r)).append(' ').append(typo(pick(own, r), r))
        .append(" by ").append(vendor).append(" is made of ").append(pick(Vocabulary.MATERIALS, r))
        .append(" and is perfect for your ").append(pick(own, r)).append(". ");
    if (html) {
      sb.append("</p><ul><li><b>").append(pick(parent, r)).append("</b> &amp; ")
          .append(pick(own, r)).append("</li><li>").append(pick(Vocabulary.COLORS, r))
          .append("&nbsp;").append(pick(sibling, r)).append("</li></ul>");
    } else {
      sb.append("Works well with ").append(pick(parent, r)).append(" and ").append(pick(sibling, r)).append(". ");
    }
    sb.append(Vocabulary.FILLER_SENTENCES[r.nextInt(Vocabulary.FILLER_SENTENCES.length)]);
    if (r.nextDouble() < 0.2) {
      sb.append(" Visit https://www.").append(vendor.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", ""))
          .append(".com/products/").append(id).append("?ref=feed for more.");
    }
    return sb.toString();
  }

  /** Bad rows: a missing id, a duplicate of the previous id, or no usable text. */
  private static Product spoil(Product p, long i, SplittableRandom r) {
    return switch (r.nextInt(3)) {
      case 0 -> new Product(r.nextBoolean() ? null : "", p.title(), p.description(), p.collection(),
          p.tags(), p.vendor(), p.productType(), p.category());
      case 1 -> new Product(String.format(Locale.ROOT, "p%09d", Math.max(0, i - 1)), p.title(),
          p.description(), p.collection(), p.tags(), p.vendor(), p.productType(), p.category());
      default -> new Product(p.productId(), "<p>&nbsp;</p>", "the of and", "", "", "", "", p.category());
    };
  }

  private int pickLeaf(double u) {
    int k = Arrays.binarySearch(leafCdf, u);
    return Math.min(leaves.length - 1, k >= 0 ? k : -k - 1);
  }

  private int sibling(int leaf, SplittableRandom r) {
    int[] sibs = taxonomy.children(taxonomy.node(leaf).parent());
    if (sibs.length < 2) {
      return -1;
    }
    int s = sibs[r.nextInt(sibs.length)];
    return s == leaf ? sibs[(Arrays.binarySearch(sibs, s) + 1) % sibs.length] : s;
  }

  private static String pick(String[] words, SplittableRandom r) {
    return words[r.nextInt(words.length)];
  }

  /** About 4% of words get a typo: a dropped, doubled or swapped letter. */
  private static String typo(String w, SplittableRandom r) {
    if (w.length() < 4 || r.nextDouble() >= 0.04) {
      return w;
    }
    int k = 1 + r.nextInt(w.length() - 2);
    return switch (r.nextInt(3)) {
      case 0 -> w.substring(0, k) + w.substring(k + 1);
      case 1 -> w.substring(0, k) + w.charAt(k) + w.substring(k);
      default -> w.substring(0, k - 1) + w.charAt(k) + w.charAt(k - 1) + w.substring(k + 1);
    };
  }

  /** Mostly Title Case; some all upper or all lower, as merchants type them. */
  private static String casing(String s, SplittableRandom r) {
    double u = r.nextDouble();
    if (u < 0.1) {
      return s.toUpperCase(Locale.ROOT);
    }
    if (u < 0.2) {
      return s.toLowerCase(Locale.ROOT);
    }
    StringBuilder sb = new StringBuilder(s.length());
    boolean start = true;
    for (char c : s.toCharArray()) {
      sb.append(start ? Character.toUpperCase(c) : c);
      start = c == ' ';
    }
    return sb.toString();
  }

  private static long mix(long seed, long i) {
    long z = seed * 0x9E3779B97F4A7C15L + i;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
