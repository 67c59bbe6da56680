package dev.nightjar.savedmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.nightjar.http.HttpError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Tensors from and to the JSON of TF Serving's REST API: a tensor is a (nested) JSON list, its
 * shape the nesting; numbers for numeric types, strings (or {@code {"b64": ...}} for bytes) for
 * DT_STRING, true/false for DT_BOOL.
 */
public final class TensorJson {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private TensorJson() {}

  /**
   * Bounds on one request's tensors: examples (the first dimension of every input of rank >= 1)
   * and values per example (the product of the other dimensions), so the work a request makes is
   * bounded whatever graph it reaches.
   */
  public record Limits(int maxInstances, int maxValuesPerInstance) {
    static final Limits NONE = new Limits(Integer.MAX_VALUE, Integer.MAX_VALUE);

    void checkInstances(String what, long n) {
      if (n > maxInstances) {
        throw HttpError.badRequest(what + " has " + n + " instances; the limit is " + maxInstances + " (serving.max-instances)");
      }
    }
  }

  /** The tensor of input {@code name} from its JSON value, checked against the signature. */
  static Tensor toTensor(String name, Signature.TensorDescription desc, JsonNode value) {
    return toTensor(name, desc, value, Limits.NONE);
  }

  /** The tensor of input {@code name} from its JSON value, checked against the signature and {@code limits}. */
  static Tensor toTensor(String name, Signature.TensorDescription desc, JsonNode value, Limits limits) {
    List<Long> dims = new ArrayList<>();
    JsonNode n = value;
    while (n.isArray()) {
      dims.add((long) n.size());
      if (n.isEmpty()) {
        break;
      }
      n = n.get(0);
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    if (shape.length > 0) {
      limits.checkInstances("Input '" + name + "'", shape[0]);
      long per = 1;
      for (int i = 1; i < shape.length; i++) {
        per *= shape[i];
      }
      if (per > limits.maxValuesPerInstance()) {
        throw HttpError.badRequest("Input '" + name + "' has " + per + " values per instance (shape " + Shape.of(shape)
            + "); the limit is " + limits.maxValuesPerInstance() + " (serving.max-values-per-instance)");
      }
    }
    Shape want = desc.shape;
    if (!want.isUnknown()) {
      if (want.numDimensions() != shape.length) {
        throw HttpError.badRequest("Input '" + name + "' expects rank " + want.numDimensions() + " (shape "
            + want + "), found rank " + shape.length + " (shape " + Shape.of(shape) + ")");
      }
      for (int i = 0; i < shape.length; i++) {
        if (want.get(i) >= 0 && want.get(i) != shape[i]) {
          throw HttpError.badRequest("Input '" + name + "' expects shape " + want + ", found " + Shape.of(shape));
        }
      }
    }
    List<JsonNode> leaves = new ArrayList<>();
    flatten(name, value, 0, shape, leaves);
    Shape s = Shape.of(shape);
    int size = leaves.size();
    DataType t = desc.dataType;
    switch (t) {
      case DT_FLOAT: {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
          double d = number(name, leaves.get(i));
          if (Math.abs(d) > Float.MAX_VALUE) {
            throw HttpError.badRequest("Input '" + name + "' is DT_FLOAT: " + leaves.get(i) + " is out of its range");
          }
          a[i] = (float) d;
        }
        return TFloat32.tensorOf(s, DataBuffers.of(a, true, false));
      }
      case DT_DOUBLE: {
        double[] a = new double[size];
        for (int i = 0; i < size; i++) {
          a[i] = number(name, leaves.get(i));
        }
        return TFloat64.tensorOf(s, DataBuffers.of(a, true, false));
      }
      case DT_INT32: {
        int[] a = new int[size];
        for (int i = 0; i < size; i++) {
          long v = integer(name, leaves.get(i));
          if (v != (int) v) {
            throw HttpError.badRequest("Input '" + name + "' is DT_INT32: " + v + " is out of its range");
          }
          a[i] = (int) v;
        }
        return TInt32.tensorOf(s, DataBuffers.of(a, true, false));
      }
      case DT_INT64: {
        long[] a = new long[size];
        for (int i = 0; i < size; i++) {
          a[i] = integer(name, leaves.get(i));
        }
        return TInt64.tensorOf(s, DataBuffers.of(a, true, false));
      }
      case DT_BOOL: {
        boolean[] a = new boolean[size];
        for (int i = 0; i < size; i++) {
          JsonNode v = leaves.get(i);
          if (!v.isBoolean()) {
            throw HttpError.badRequest("Input '" + name + "' is DT_BOOL: expected true or false, found " + v);
          }
          a[i] = v.booleanValue();
        }
        return TBool.tensorOf(s, DataBuffers.of(a, true, false));
      }
      case DT_STRING: {
        byte[][] a = new byte[size][];
        for (int i = 0; i < size; i++) {
          a[i] = bytes(name, leaves.get(i));
        }
        return TString.tensorOfBytes(s, DataBuffers.ofObjects(a));
      }
      default:
        throw HttpError.badRequest("Input '" + name + "' has type " + t + ", which this service does not accept as JSON");
    }
  }

  private static void flatten(String name, JsonNode n, int depth, long[] shape, List<JsonNode> out) {
    if (depth == shape.length) {
      if (n.isArray()) {
        throw HttpError.badRequest("Input '" + name + "' is not rectangular: a list at depth " + depth
            + " where the first element has a value");
      }
      out.add(n);
      return;
    }
    if (!n.isArray() || n.size() != shape[depth]) {
      throw HttpError.badRequest("Input '" + name + "' is not rectangular: expected a list of " + shape[depth]
          + " at depth " + depth + ", found " + (n.isArray() ? "a list of " + n.size() : n.getNodeType()));
    }
    for (JsonNode c : n) {
      flatten(name, c, depth + 1, shape, out);
    }
  }

  private static double number(String name, JsonNode v) {
    if (!v.isNumber()) {
      throw HttpError.badRequest("Input '" + name + "' is numeric: expected a number, found " + v);
    }
    if (!Double.isFinite(v.doubleValue())) {
      throw HttpError.badRequest("Input '" + name + "' is numeric: found a number beyond the range of a double");
    }
    return v.doubleValue();
  }

  private static long integer(String name, JsonNode v) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw HttpError.badRequest("Input '" + name + "' is an integer type: expected an integer, found " + v);
    }
    return v.longValue();
  }

  private static byte[] bytes(String name, JsonNode v) {
    if (v.isTextual()) {
      return v.textValue().getBytes(StandardCharsets.UTF_8);
    }
    if (v.isObject() && v.size() == 1 && v.has("b64") && v.get("b64").isTextual()) {
      try {
        return Base64.getDecoder().decode(v.get("b64").textValue());
      } catch (IllegalArgumentException e) {
        throw HttpError.badRequest("Input '" + name + "': invalid base64 in " + v);
      }
    }
    throw HttpError.badRequest("Input '" + name + "' is DT_STRING: expected a string or {\"b64\": ...}, found " + v);
  }

  /** The JSON (nested lists by shape) of an output tensor. */
  static JsonNode toJson(Tensor t) {
    long[] shape = t.shape().asArray();
    int size = Math.toIntExact(t.shape().size());
    JsonNode[] leaves = new JsonNode[size];
    switch (t.dataType()) {
      case DT_FLOAT: {
        float[] a = new float[size];
        ((TFloat32) t).copyTo(DataBuffers.of(a, false, false));
        for (int i = 0; i < size; i++) {
          leaves[i] = JSON.numberNode(a[i]);
        }
        break;
      }
      case DT_DOUBLE: {
        double[] a = new double[size];
        ((TFloat64) t).copyTo(DataBuffers.of(a, false, false));
        for (int i = 0; i < size; i++) {
          leaves[i] = JSON.numberNode(a[i]);
        }
        break;
      }
      case DT_INT32: {
        int[] a = new int[size];
        ((TInt32) t).copyTo(DataBuffers.of(a, false, false));
        for (int i = 0; i < size; i++) {
          leaves[i] = JSON.numberNode(a[i]);
        }
        break;
      }
      case DT_INT64: {
        long[] a = new long[size];
        ((TInt64) t).copyTo(DataBuffers.of(a, false, false));
        for (int i = 0; i < size; i++) {
          leaves[i] = JSON.numberNode(a[i]);
        }
        break;
      }
      case DT_BOOL: {
        boolean[] a = new boolean[size];
        ((TBool) t).copyTo(DataBuffers.of(a, false, false));
        for (int i = 0; i < size; i++) {
          leaves[i] = JSON.booleanNode(a[i]);
        }
        break;
      }
      case DT_STRING: {
        int[] i = {0};
        ((TString) t).asBytes().scalars().forEach(s -> {
          byte[] b = s.getObject();
          String text = new String(b, StandardCharsets.UTF_8);
          // Bytes that are not UTF-8 go out as {"b64": ...}, as TF Serving does for binary outputs.
          leaves[i[0]++] = java.util.Arrays.equals(text.getBytes(StandardCharsets.UTF_8), b)
              ? JSON.textNode(text)
              : JSON.objectNode().put("b64", Base64.getEncoder().encodeToString(b));
        });
        break;
      }
      default:
        throw new HttpError(500, "Output of type " + t.dataType() + " cannot be written as JSON");
    }
    if (shape.length == 0) {
      return leaves[0];
    }
    int[] pos = {0};
    return nest(shape, 0, leaves, pos);
  }

  private static JsonNode nest(long[] shape, int depth, JsonNode[] leaves, int[] pos) {
    ArrayNode a = JSON.arrayNode((int) shape[depth]);
    for (long i = 0; i < shape[depth]; i++) {
      a.add(depth + 1 == shape.length ? leaves[pos[0]++] : nest(shape, depth + 1, leaves, pos));
    }
    return a;
  }
}
