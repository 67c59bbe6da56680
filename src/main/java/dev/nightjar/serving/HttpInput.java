package dev.nightjar.serving;

import com.sun.net.httpserver.HttpExchange;
import dev.nightjar.http.HttpError;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reading what a client sent: bodies within their limit, JSON content types, %-decoding, queries. */
final class HttpInput {
  private static final Logger LOG = LoggerFactory.getLogger(HttpInput.class);
  private static final long DRAIN_BYTES = 64L << 20;

  private HttpInput() {}

  /**
   * The body of a request that must be JSON: 415 when its Content-Type says otherwise, 413 past
   * {@code maxBytes} (declared or, for a chunked body, found), without reading more than that.
   */
  static byte[] body(HttpExchange ex, int maxBytes) throws IOException {
    String contentType = ex.getRequestHeaders().getFirst("Content-Type");
    if (contentType != null && !isJson(contentType)) {
      drain(ex.getRequestBody());
      throw new HttpError(415, "Expected a JSON body (Content-Type application/json, charset UTF-8), found Content-Type "
          + printable(contentType));
    }
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      long n;
      try {
        n = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        throw HttpError.badRequest("Content-Length is not a number: " + printable(declared));
      }
      if (n > maxBytes) {
        drain(ex.getRequestBody());
        throw new HttpError(413, "The body has " + n + " bytes; the limit is " + maxBytes);
      }
    }
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      // Chunked bodies have no length up front: read one byte past the limit to detect them.
      try {
        body = in.readNBytes(maxBytes + 1);
      } catch (IOException e) {
        // A malformed chunked encoding, or a client gone before its body ended.
        throw HttpError.badRequest("Cannot read the body: " + printable(String.valueOf(e.getMessage())));
      }
      if (body.length > maxBytes) {
        drain(in);
        throw new HttpError(413, "The body has more than " + maxBytes + " bytes (the limit)");
      }
    }
    return body;
  }

  /**
   * JSON, or what common clients send JSON as when not told otherwise (curl -d's form type,
   * text/plain); a charset, when given, must be UTF-8 (the only one JSON allows on the wire).
   */
  static boolean isJson(String contentType) {
    String[] parts = contentType.toLowerCase(java.util.Locale.ROOT).split(";");
    String mime = parts[0].trim();
    boolean jsonLike = mime.equals("application/json") || mime.endsWith("+json") || mime.equals("text/plain")
        || mime.equals("application/x-www-form-urlencoded") || mime.isEmpty();
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.startsWith("charset=") && !p.substring(8).replace("\"", "").trim().matches("utf-?8")) {
        return false;
      }
    }
    return jsonLike;
  }

  /** A header or parameter as printable ASCII, cut to 100 characters, for an error message. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 100; i++) {
      char c = s.charAt(i);
      b.append(c >= ' ' && c < 0x7f ? c : '?');
    }
    return b.append(s.length() > 100 ? "..." : "").toString();
  }

  /** URL-decodes a path segment or parameter; 400 for a malformed %-escape. */
  static String decode(String raw, String what) {
    try {
      return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw HttpError.badRequest("Malformed %-escape in " + what + ": " + printable(raw));
    }
  }

  /**
   * Reads and drops what is left of a refused body, up to {@value #DRAIN_BYTES} bytes, so that a
   * client still sending it reads the 413 instead of a reset connection; beyond that the
   * connection is closed (slow senders are cut by {@code maxReqTime}).
   */
  static void drain(InputStream in) {
    try {
      long left = DRAIN_BYTES;
      byte[] buf = new byte[1 << 16];
      for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0; ) {
        left -= n;
      }
    } catch (IOException e) {
      LOG.debug("Draining a refused body failed: {}", e.toString());
    }
  }

  /** The decoded value of parameter {@code name} of a raw query string ("" without '='), or null. */
  static String queryParam(String rawQuery, String name) {
    if (rawQuery != null) {
      for (String kv : rawQuery.split("&")) {
        int eq = kv.indexOf('=');
        String k = decode(eq < 0 ? kv : kv.substring(0, eq), "the query string");
        if (k.equals(name)) {
          return eq < 0 ? "" : decode(kv.substring(eq + 1), "the query string");
        }
      }
    }
    return null;
  }
}
