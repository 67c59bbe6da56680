package dev.nightjar.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.http.HttpError;
import java.io.IOException;

/**
 * Parses request bodies with bounded work: nesting depth and string length are capped by
 * Jackson's {@link StreamReadConstraints} while parsing (so a body of 50,000 {@code [} is refused
 * after {@code maxDepth} of them, and one of 100,000 instances after {@code maxTokens} tokens, before
 * its tree is built), duplicate keys and content after the value are errors, and
 * NaN/Infinity are not JSON. Every failure is a 400 whose message says what was wrong and where.
 */
final class JsonBody {
  private final ObjectMapper mapper;
  private final int maxDepth;
  private final int maxStringChars;
  private final long maxTokens;

  JsonBody(int maxDepth, int maxStringChars, long maxTokens) {
    this.maxDepth = maxDepth;
    this.maxStringChars = maxStringChars;
    this.maxTokens = maxTokens;
    JsonFactory f = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).maxStringLength(maxStringChars)
            .maxTokenCount(maxTokens).build())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    this.mapper = new ObjectMapper(f).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  /** The value of a JSON body; 400 when it is empty, malformed or over a limit. */
  JsonNode parse(byte[] body) {
    JsonNode n;
    try {
      n = mapper.readTree(body);
    } catch (StreamConstraintsException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("getMaxNestingDepth")) {
        throw HttpError.badRequest("The JSON nests deeper than " + maxDepth + " levels (serving.max-json-depth)");
      }
      if (m.contains("getMaxStringLength")) {
        throw HttpError.badRequest("The JSON has a string longer than " + maxStringChars
            + " characters (serving.max-string-chars)");
      }
      if (m.contains("getMaxTokenCount")) {
        throw HttpError.badRequest("The JSON has more than " + maxTokens + " tokens (values, brackets and keys;"
            + " serving.max-json-tokens)");
      }
      throw HttpError.badRequest("The JSON is over a parser limit: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw HttpError.badRequest("Malformed JSON: " + describe(e.getOriginalMessage())
          + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
    } catch (IOException e) {
      // Parsing a byte array reads nothing from the network: only malformed input gets here.
      throw HttpError.badRequest("Malformed JSON: " + e.getMessage());
    }
    if (n == null || n.isMissingNode()) {
      throw HttpError.badRequest("Expected a JSON body, found an empty one");
    }
    return n;
  }

  /** Jackson's message without its hints about its own features and classes (meaningless to a client). */
  static String describe(String jackson) {
    String m = String.valueOf(jackson);
    if (m.startsWith("Trailing token")) {
      return "more content after the JSON value";
    }
    if (m.startsWith("Non-standard token")) {
      return m.replaceFirst(": enable `[^`]*` to allow.*", "") + " (JSON has no NaN or Infinity)";
    }
    return m.replaceAll(" ?\\(?[^ ]*`[^`]*`[^ ]*\\)?", "");
  }
}
