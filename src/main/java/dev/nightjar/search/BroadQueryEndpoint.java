package dev.nightjar.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nightjar.http.HttpError;
import dev.nightjar.model.Request;
import java.util.Optional;

/** {@code GET /v1/broad-query?q=...}: the broad_query version's {@link EntropyLookup} entry for a query. */
final class BroadQueryEndpoint {
  static JsonNode answer(Request request) {
    String q = request.query("q");
    if (q == null || q.isBlank()) {
      throw HttpError.badRequest("Expected a query: /v1/broad-query?q=TEXT");
    }
    for (int i = 0; i < q.length(); i++) {
      if (Character.isISOControl(q.charAt(i))) {
        throw HttpError.badRequest(String.format("Parameter q has a control character (U+%04X) at position %d",
            (int) q.charAt(i), i));
      }
    }
    try (Request.Lease<BroadQueryKind.Served> l = request.lease(BroadQueryKind.NAME, BroadQueryKind.Served.class)) {
      ObjectNode o = JsonNodeFactory.instance.objectNode().put("q", q);
      Optional<EntropyLookup.Entry> e = l.served().lookup().lookup(q);
      o.put("known", e.isPresent());
      o.put("query", e.map(EntropyLookup.Entry::query).orElse(QueryNormalizer.normalize(q)));
      // Queries absent from the table are served as specific (the lookup's contract).
      o.put("broad_level", e.map(EntropyLookup.Entry::broadLevel).orElse(0));
      o.put("broad", e.map(EntropyLookup.Entry::broad).orElse(false));
      o.put("top_category", e.map(EntropyLookup.Entry::topCategory).orElse(null));
      ArrayNode show = o.putArray("show");
      e.ifPresent(x -> x.show().forEach(c -> show.addObject().put("name", c.name()).put("share", c.share())));
      o.put("model_version", l.version());
      return o;
    }
  }
}
