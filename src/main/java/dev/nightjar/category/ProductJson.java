package dev.nightjar.category;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nightjar.http.HttpError;
import dev.nightjar.text.ProductText;
import java.util.ArrayList;
import java.util.List;

/**
 * The products of a {@code /v1/categorize} body, checked field by field: one product object, or
 * {@code {"products": [...]}} of at most {@code maxInstances}. A text field is a string, a list of
 * strings (tags; joined with ", " like the batch input) or null; {@code product_id} a string or an
 * integer. Anything else is a 400 naming the field, the expected type and what was found.
 */
final class ProductJson {
  private ProductJson() {}

  /** The product objects of the body, and whether it was the batch form. */
  record Products(List<JsonNode> products, boolean batch) {}

  static Products products(JsonNode body, int maxInstances) {
    if (!body.isObject()) {
      throw HttpError.badRequest("Expected a JSON object of product fields " + ProductText.FIELDS
          + " or {\"products\": [...]}, found " + HttpError.kind(body));
    }
    JsonNode list = body.get("products");
    if (list == null) {
      return new Products(List.of(body), false);
    }
    if (!list.isArray() || list.isEmpty()) {
      throw HttpError.badRequest("Field 'products' must be a non-empty list of product objects, found " + HttpError.kind(list));
    }
    if (list.size() > maxInstances) {
      throw HttpError.badRequest("Field 'products' has " + list.size() + " products; the limit is " + maxInstances
          + " (serving.max-instances)");
    }
    List<JsonNode> out = new ArrayList<>(list.size());
    list.forEach(out::add);
    return new Products(out, true);
  }

  /** The product's fields in {@link ProductText#FIELDS} order; {@code where} names it in errors. */
  static List<String> fields(JsonNode p, String where) {
    if (!p.isObject()) {
      throw HttpError.badRequest("Expected " + where + " to be an object with fields " + ProductText.FIELDS
          + ", found " + HttpError.kind(p));
    }
    JsonNode id = p.get(ProductText.PRODUCT_ID);
    if (id != null && !id.isNull() && !id.isTextual() && !id.isIntegralNumber()) {
      throw HttpError.badRequest(field(where, ProductText.PRODUCT_ID) + " must be a string or an integer, found " + HttpError.kind(id));
    }
    List<String> values = new ArrayList<>(ProductText.FIELDS.size());
    boolean any = false;
    for (String f : ProductText.FIELDS) {
      JsonNode v = p.get(f);
      String s;
      if (v == null || v.isNull()) {
        s = null;
      } else if (v.isTextual()) {
        s = v.textValue();
      } else if (v.isArray()) {
        // As the batch input's list fields (ProductColumns): nulls skipped, the rest joined.
        List<String> parts = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
          JsonNode e = v.get(i);
          if (e.isTextual()) {
            parts.add(e.textValue());
          } else if (!e.isNull()) {
            throw HttpError.badRequest(field(where, f) + " must be a string or a list of strings, found " + HttpError.kind(e)
                + " at index " + i);
          }
        }
        s = ProductText.joinList(parts);
      } else {
        throw HttpError.badRequest(field(where, f) + " must be a string or a list of strings, found " + HttpError.kind(v));
      }
      any |= s != null && !s.isBlank();
      values.add(s);
    }
    if (!any) {
      throw HttpError.badRequest("The product" + (where.equals("the body") ? "" : " (" + where + ")")
          + " has no text: expected at least one of " + ProductText.FIELDS);
    }
    return values;
  }

  private static String field(String where, String f) {
    return "Field '" + f + "'" + (where.equals("the body") ? "" : " of " + where);
  }

}
