package dev.nightjar.http;

/** A request the service answers with an HTTP error status and a message (never a crash). */
public final class HttpError extends RuntimeException {
  private final int status;

  public HttpError(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }

  public static HttpError badRequest(String message) {
    return new HttpError(400, message);
  }

  public static HttpError notFound(String message) {
    return new HttpError(404, message);
  }

  /** A JSON value's type, with the value when it is short (never a whole hostile body). */
  public static String kind(com.fasterxml.jackson.databind.JsonNode v) {
    String type = switch (v.getNodeType()) {
      case ARRAY -> "a list";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    };
    String text = v.toString();
    return text.length() <= 40 ? type + " (" + text + ")" : type;
  }
}
