package dev.nightjar.budget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nightjar.featurestore.FeatureStore;
import dev.nightjar.http.HttpError;
import dev.nightjar.model.Request;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/budget}: a shop id, its latest features from the feature store, a
 * recommendation from {@link BudgetRecommender} (the batch job's steps for one row).
 */
final class BudgetEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(BudgetEndpoint.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BudgetRecommender recommender;

  BudgetEndpoint(RecommendBudgetJob.Options options) {
    this.recommender = new BudgetRecommender(options);
  }

  JsonNode answer(Request request) throws Exception {
    JsonNode body = request.body();
    JsonNode id = body.isObject() ? body.get("shop_id") : null;
    if (id == null || !(id.isTextual() || id.isIntegralNumber()) || id.asText().isEmpty()) {
      throw HttpError.badRequest("Expected {\"shop_id\": ...} (a string or an integer), found "
          + (body.isObject() ? (id == null ? "no field 'shop_id'" : "'shop_id' " + HttpError.kind(id)) : HttpError.kind(body)));
    }
    String shop = id.asText();
    FeatureStore store = request.featureStore()
        .orElseThrow(() -> new HttpError(503, "No feature store is configured (budget.feature-store.kind = none)"));
    Optional<String> found;
    try {
      found = store.get(shop);
    } catch (Exception e) {
      LOG.warn("Feature store {} failed: {}", store.describe(), e.toString());
      throw new HttpError(503, "The feature store (" + store.describe() + ") is unavailable: " + e.getMessage());
    }
    String row = found.orElseThrow(() -> HttpError.notFound("Unknown shop '" + shop
        + "': the feature store (" + store.describe() + ", snapshot " + versionOrNone(store) + ") has no features for it"));
    Map<String, Object> features = JSON.readValue(row, JSON.getTypeFactory().constructMapType(Map.class, String.class, Object.class));
    try (Request.Lease<BudgetServed> l = request.lease(BudgetKind.NAME, BudgetServed.class)) {
      BudgetRecommender.Recommendation r = recommender.recommend(l.served().scorer(), features);
      ObjectNode o = JSON.createObjectNode().put("shop_id", shop)
          .put("objective", r.objective())
          .put("budget_low", r.budgetLow())
          .put("budget_high", r.budgetHigh())
          .put("recommended_budget", r.recommendedBudget())
          .put("chance_of_sales", r.chanceOfSales())
          .put("basis", r.basis())
          .put("model_version", l.version());
      o.put("features_version", versionOrNone(store));
      return o;
    }
  }

  private static String versionOrNone(FeatureStore store) {
    try {
      return store.version().orElse("none");
    } catch (Exception e) {
      return "unreadable (" + e.getMessage() + ")";
    }
  }
}
