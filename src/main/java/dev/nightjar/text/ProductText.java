package dev.nightjar.text;

import java.util.ArrayList;
import java.util.List;

/**
 * The text fields of a product that featurization reads, in the order their tokens are joined.
 * A product missing a field is treated as having it empty.
 */
public final class ProductText {
  public static final String PRODUCT_ID = "product_id";
  public static final List<String> FIELDS =
      List.of("title", "description", "collection", "tags", "vendor", "product_type");

  /** How a list field (tags as a JSON list) becomes one string: its non-null items joined with this. */
  public static final String LIST_SEPARATOR = ", ";

  private ProductText() {}

  /** A list field as one string: its non-null items joined with {@link #LIST_SEPARATOR} (Spark's concat_ws). */
  public static String joinList(List<String> items) {
    StringBuilder sb = new StringBuilder();
    boolean first = true;
    for (String item : items) {
      if (item != null) {
        if (!first) {
          sb.append(LIST_SEPARATOR);
        }
        sb.append(item);
        first = false;
      }
    }
    return sb.toString();
  }

  /**
   * The tokens of all fields of one product, in one language ({@link TextCleaner#fields}). A field
   * longer than {@code maxFieldChars} is cut to that length first.
   */
  public static List<String> tokens(
      TextCleaner cleaner, Iterable<String> fieldValues, int maxFieldChars) {
    List<String> values = new ArrayList<>();
    for (String v : fieldValues) {
      values.add(truncate(v, maxFieldChars));
    }
    List<String> out = new ArrayList<>();
    for (List<String> field : cleaner.fields(values)) {
      out.addAll(field);
    }
    return out;
  }

  /** The first {@code maxChars} characters (code points, as Spark SQL's substring counts them). */
  public static String truncate(String v, int maxChars) {
    if (v == null || v.length() <= maxChars) {
      return v;
    }
    if (v.codePointCount(0, v.length()) <= maxChars) {
      return v;
    }
    return v.substring(0, v.offsetByCodePoints(0, maxChars));
  }
}
