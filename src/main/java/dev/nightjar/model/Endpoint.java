package dev.nightjar.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One of the service's own endpoints of a model kind ({@code POST /v1/categorize}...). The serving
 * layer routes, parses the body within its limits, enforces the deadline, meters and logs; the
 * endpoint answers, throwing {@link dev.nightjar.http.HttpError} for what the client got wrong.
 */
public interface Endpoint {
  /** The exact path, e.g. {@code /v1/categorize}. */
  String path();

  /** {@code GET} (query parameters) or {@code POST} (a JSON body). */
  String method();

  /** Its name in metrics: a fixed label, whatever the client sent. */
  String label();

  /** How it is called, for the message of an unknown path (e.g. {@code /v1/broad-query?q=}). */
  default String usage() {
    return path();
  }

  JsonNode answer(Request request) throws Exception;
}
