package dev.nightjar.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One of the service's own endpoints of a model kind ({@code POST /v1/categorize}...). The serving
 * layer routes, parses the body within its limits, enforces the deadline, meters and logs; the
 * handler answers, throwing {@link dev.nightjar.http.HttpError} for what the client got wrong.
 *
 * @param method {@code GET} (query parameters) or {@code POST} (a JSON body)
 * @param path the exact path, e.g. {@code /v1/categorize}
 * @param label its name in metrics: a fixed label, whatever the client sent
 * @param usage how it is called, for the message of an unknown path (e.g. {@code /v1/broad-query?q=})
 */
public record Endpoint(String method, String path, String label, String usage, Handler handler) {
  /** Answers one request. */
  @FunctionalInterface
  public interface Handler {
    JsonNode answer(Request request) throws Exception;
  }

  public static Endpoint get(String path, String label, Handler handler) {
    return new Endpoint("GET", path, label, path, handler);
  }

  public static Endpoint post(String path, String label, Handler handler) {
    return new Endpoint("POST", path, label, path, handler);
  }

  public Endpoint withUsage(String usage) {
    return new Endpoint(method, path, label, usage, handler);
  }

  public JsonNode answer(Request request) throws Exception {
    return handler.answer(request);
  }
}
