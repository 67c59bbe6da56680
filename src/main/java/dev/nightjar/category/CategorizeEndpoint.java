package dev.nightjar.category;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nightjar.model.Request;
import dev.nightjar.text.Featurization;
import dev.nightjar.text.ProductText;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/categorize}: raw product fields ({@link ProductJson}), cleaned into terms by
 * {@link Featurization#terms} of the model's recorded featurization (the batch jobs' code), scored
 * by {@link CategoryScorer}.
 */
final class CategorizeEndpoint {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  static JsonNode answer(Request request) {
    ProductJson.Products in = ProductJson.products(request.body(), request.maxInstances());
    List<JsonNode> products = in.products();
    try (Request.Lease<CategoryServed> l = request.lease(CategoryKind.NAME, CategoryServed.class)) {
      // The terms of the model's own featurization, by the batch jobs' code.
      Featurization f = l.served().featurization();
      List<List<String>> terms = new ArrayList<>(products.size());
      for (int i = 0; i < products.size(); i++) {
        request.check("while cleaning the products");
        terms.add(f.terms(ProductJson.fields(products.get(i), in.batch() ? "product " + i : "the body")));
      }
      List<KeslerModel.Prediction> preds = l.served().scorer().predict(terms, () -> request.check("while scoring"));
      ArrayNode out = JSON.arrayNode();
      for (int i = 0; i < preds.size(); i++) {
        out.add(prediction(products.get(i), preds.get(i), l.version()));
      }
      return in.batch() ? JSON.objectNode().set("predictions", out) : out.get(0);
    }
  }

  private static ObjectNode prediction(JsonNode product, KeslerModel.Prediction p, long version) {
    ObjectNode o = JSON.objectNode();
    if (product.has(ProductText.PRODUCT_ID)) {
      o.set(ProductText.PRODUCT_ID, product.get(ProductText.PRODUCT_ID));
    }
    o.put("category_id", p.id()).put("category_path", p.path());
    ArrayNode levels = o.putArray("levels");
    String[] names = p.path().split(" > ");
    for (int i = 0; i < p.levelScores().length; i++) {
      levels.addObject().put("name", i < names.length ? names[i] : null).put("score", p.levelScores()[i]);
    }
    o.put("model_version", version);
    return o;
  }
}
