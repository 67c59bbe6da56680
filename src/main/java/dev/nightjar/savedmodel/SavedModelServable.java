package dev.nightjar.savedmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nightjar.http.HttpError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.ConfigProto;

/**
 * A SavedModel served through TF Serving's REST API, generic over its signatures: input and output
 * names, types and shapes come from the bundle's SignatureDefs. Thread-safe (a TensorFlow session
 * runs concurrent calls).
 *
 * <p>Request forms, as TF Serving: row ({@code {"instances": [...]}}: one element per example, a
 * value when the signature has one input, else an object by input name; answered with {@code
 * {"predictions": [...]}}) and columnar ({@code {"inputs": value or {name: value}}}, answered with
 * {@code {"outputs": value or {name: value}}}); {@code "signature_name"} picks a signature
 * (default {@code serving_default}).
 */
public final class SavedModelServable implements AutoCloseable {
  public static final String DEFAULT_SIGNATURE = Signature.DEFAULT_KEY;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** The session's inter-op pool (of {@link #sessionConfig}) for calls over {@code largeValues} input values. */
  static final int LARGE_POOL = 1;
  private static final org.tensorflow.proto.RunOptions IN_LARGE_POOL =
      org.tensorflow.proto.RunOptions.newBuilder().setInterOpThreadPool(LARGE_POOL).build();

  private final SavedModelBundle bundle;
  private final Map<String, SessionFunction> functions = new LinkedHashMap<>();
  private final long largeValues;

  private SavedModelServable(SavedModelBundle bundle, long largeValues) {
    this.bundle = bundle;
    this.largeValues = largeValues;
    for (SessionFunction f : bundle.functions()) {
      functions.put(f.signature().key(), f);
    }
  }

  /** Loads the SavedModel (tag "serve") at {@code dir}; fails when it is not one. */
  public static SavedModelServable load(Path dir) {
    return load(dir, ConfigProto.getDefaultInstance(), Long.MAX_VALUE);
  }

  /**
   * Loads the SavedModel (tag "serve") at {@code dir} with session options {@code config}; fails
   * when it is not one. With a {@link #sessionConfig} a call whose inputs hold more than {@code
   * largeValues} values runs in the session's second pool, else (and with any other config:
   * {@code largeValues = Long.MAX_VALUE}) in its first.
   */
  public static SavedModelServable load(Path dir, ConfigProto config, long largeValues) {
    if (largeValues != Long.MAX_VALUE && config.getSessionInterOpThreadPoolCount() <= LARGE_POOL) {
      throw new IllegalArgumentException("Expected a session config with a pool for large calls (sessionConfig), found "
          + config.getSessionInterOpThreadPoolCount() + " pools");
    }
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new IllegalArgumentException("No SavedModel in " + dir + ": saved_model.pb is missing");
    }
    SavedModelBundle b = SavedModelBundle.loader(dir.toString()).withTags(SavedModelBundle.DEFAULT_TAG)
        .withConfigProto(config).load();
    if (b.functions().isEmpty()) {
      b.close();
      throw new IllegalArgumentException("The SavedModel in " + dir + " has no signature");
    }
    return new SavedModelServable(b, largeValues);
  }

  /**
   * Session options for serving: two inter-op pools, {@code interOp} threads (0 = one per core)
   * for ordinary calls and one thread for large ones, and {@code intraOp} threads per op (1: an
   * op runs in the thread that runs the graph; the request threads are the parallelism). One
   * shared pool queues every small call behind a large one: with TensorFlow's single global pool
   * (inter-op 1), a 32-product call at the term cap (~0.1 s) held every normal call waiting.
   */
  public static ConfigProto sessionConfig(int interOp, int intraOp) {
    return ConfigProto.newBuilder().setIntraOpParallelismThreads(intraOp)
        .addSessionInterOpThreadPool(org.tensorflow.proto.ThreadPoolOptionProto.newBuilder().setNumThreads(interOp))
        .addSessionInterOpThreadPool(org.tensorflow.proto.ThreadPoolOptionProto.newBuilder().setNumThreads(1))
        .build();
  }

  /** The tensors a call fetched, by the signature's output names; closing it closes them. */
  public static final class Fetched implements AutoCloseable {
    private final Result result;
    private final List<String> names;

    Fetched(Result result, List<String> names) {
      this.result = result;
      this.names = names;
    }

    /** A function's result, already keyed by output name. */
    public Fetched(Result result) {
      this(result, null);
    }

    public java.util.Optional<Tensor> get(String name) {
      if (names == null) {
        return result.get(name);
      }
      int i = names.indexOf(name);
      return i < 0 ? java.util.Optional.empty() : java.util.Optional.of(result.get(i));
    }

    @Override
    public void close() {
      result.close();
    }
  }

  /**
   * Runs signature {@code f} of this bundle on {@code feeds} (by input name), fetching every
   * output; in the large calls' pool when the feeds hold more than {@code largeValues} values.
   */
  public Fetched run(SessionFunction f, Map<String, ? extends Tensor> feeds) {
    Signature sig = f.signature();
    org.tensorflow.Session.Runner r = bundle.session().runner();
    long values = 0;
    for (Map.Entry<String, ? extends Tensor> e : feeds.entrySet()) {
      r.feed(sig.getInputs().get(e.getKey()).name, e.getValue());
      values += e.getValue().shape().size();
    }
    List<String> names = List.copyOf(sig.outputNames());
    for (String n : names) {
      r.fetch(sig.getOutputs().get(n).name);
    }
    if (values > largeValues) {
      r.setOptions(IN_LARGE_POOL);
    }
    return new Fetched(r.run(), names);
  }

  public SavedModelBundle bundle() {
    return bundle;
  }

  public List<String> signatureNames() {
    return List.copyOf(functions.keySet());
  }

  private SessionFunction function(String name) {
    SessionFunction f = functions.get(name);
    if (f == null) {
      throw HttpError.badRequest("Unknown signature_name '" + name + "'; the model has " + functions.keySet());
    }
    return f;
  }

  /** The answer of TF Serving's {@code :predict} for one parsed request body. */
  public ObjectNode predict(JsonNode request) {
    return predict(request, TensorJson.Limits.NONE, () -> {});
  }

  /**
   * The answer of TF Serving's {@code :predict} for one parsed request body within {@code
   * limits}; {@code beforeCall} runs just before the graph does (it may throw to stop).
   */
  public ObjectNode predict(JsonNode request, TensorJson.Limits limits, Runnable beforeCall) {
    if (request == null || !request.isObject()) {
      throw HttpError.badRequest("Expected a JSON object with \"instances\" or \"inputs\"");
    }
    JsonNode sigName = request.get("signature_name");
    if (sigName != null && !sigName.isTextual()) {
      throw HttpError.badRequest("signature_name must be a string, found " + sigName);
    }
    SessionFunction f = function(sigName == null ? DEFAULT_SIGNATURE : sigName.textValue());
    Signature sig = f.signature();
    boolean row = request.has("instances");
    if (row == request.has("inputs")) {
      throw HttpError.badRequest("Expected exactly one of \"instances\" (row format) or \"inputs\" (columnar format)");
    }
    if (row && request.get("instances").isArray()) {
      limits.checkInstances("\"instances\"", request.get("instances").size());
    }
    Map<String, JsonNode> columns = row ? fromInstances(sig, request.get("instances")) : fromInputs(sig, request.get("inputs"));
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Signature.TensorDescription> e : sig.getInputs().entrySet()) {
        JsonNode v = columns.get(e.getKey());
        if (v == null) {
          throw HttpError.badRequest("Missing input '" + e.getKey() + "'; the signature's inputs are " + sig.inputNames());
        }
        feeds.put(e.getKey(), TensorJson.toTensor(e.getKey(), e.getValue(), v, limits));
      }
      for (String k : columns.keySet()) {
        if (!sig.getInputs().containsKey(k)) {
          throw HttpError.badRequest("Unknown input '" + k + "'; the signature's inputs are " + sig.inputNames());
        }
      }
      Map<String, JsonNode> outs = new LinkedHashMap<>();
      beforeCall.run();
      try (Fetched r = call(f, feeds)) {
        for (String name : sig.outputNames()) {
          outs.put(name, TensorJson.toJson(r.get(name).orElseThrow()));
        }
      }
      return row ? predictions(outs, columns) : outputs(outs);
    } finally {
      feeds.values().forEach(Tensor::close);
    }
  }

  private Fetched call(SessionFunction f, Map<String, Tensor> feeds) {
    try {
      return run(f, feeds);
    } catch (org.tensorflow.exceptions.TensorFlowException e) {
      // Shapes or values the graph refuses (e.g. a batch dimension that disagrees between inputs).
      throw HttpError.badRequest("The model refused the input: " + e.getMessage());
    }
  }

  private static Map<String, JsonNode> fromInstances(Signature sig, JsonNode instances) {
    if (!instances.isArray() || instances.isEmpty()) {
      throw HttpError.badRequest("\"instances\" must be a non-empty list");
    }
    Map<String, JsonNode> cols = new LinkedHashMap<>();
    boolean named = instances.get(0).isObject() && !isB64(instances.get(0));
    if (!named) {
      if (sig.getInputs().size() != 1) {
        throw HttpError.badRequest("The signature has inputs " + sig.inputNames()
            + ": each instance must be an object by input name");
      }
      cols.put(sig.inputNames().iterator().next(), instances);
      return cols;
    }
    for (JsonNode inst : instances) {
      if (!inst.isObject()) {
        throw HttpError.badRequest("Every instance must be an object by input name, found " + inst);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = inst.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        ((ArrayNode) cols.computeIfAbsent(e.getKey(), k -> JSON.arrayNode())).add(e.getValue());
      }
    }
    for (Map.Entry<String, JsonNode> e : cols.entrySet()) {
      if (e.getValue().size() != instances.size()) {
        throw HttpError.badRequest("Input '" + e.getKey() + "' is in " + e.getValue().size() + " of "
            + instances.size() + " instances; every instance needs every input");
      }
    }
    return cols;
  }

  private static Map<String, JsonNode> fromInputs(Signature sig, JsonNode inputs) {
    Map<String, JsonNode> cols = new LinkedHashMap<>();
    if (inputs.isObject() && !isB64(inputs)) {
      inputs.fields().forEachRemaining(e -> cols.put(e.getKey(), e.getValue()));
    } else {
      if (sig.getInputs().size() != 1) {
        throw HttpError.badRequest("The signature has inputs " + sig.inputNames() + ": \"inputs\" must be an object by input name");
      }
      cols.put(sig.inputNames().iterator().next(), inputs);
    }
    return cols;
  }

  private static boolean isB64(JsonNode n) {
    return n.isObject() && n.size() == 1 && n.has("b64");
  }

  private static ObjectNode outputs(Map<String, JsonNode> outs) {
    ObjectNode o = JSON.objectNode();
    if (outs.size() == 1) {
      o.set("outputs", outs.values().iterator().next());
    } else {
      ObjectNode m = o.putObject("outputs");
      outs.forEach(m::set);
    }
    return o;
  }

  /** Row format: one prediction per instance (outputs split along their first dimension). */
  private static ObjectNode predictions(Map<String, JsonNode> outs, Map<String, JsonNode> cols) {
    int n = cols.values().iterator().next().size();
    for (Map.Entry<String, JsonNode> e : outs.entrySet()) {
      if (!e.getValue().isArray() || e.getValue().size() != n) {
        throw new HttpError(400, "Output '" + e.getKey() + "' does not have the batch size " + n
            + " as its first dimension; use the columnar \"inputs\" form");
      }
    }
    ObjectNode o = JSON.objectNode();
    ArrayNode p = o.putArray("predictions");
    for (int i = 0; i < n; i++) {
      if (outs.size() == 1) {
        p.add(outs.values().iterator().next().get(i));
      } else {
        ObjectNode one = p.addObject();
        for (Map.Entry<String, JsonNode> e : outs.entrySet()) {
          one.set(e.getKey(), e.getValue().get(i));
        }
      }
    }
    return o;
  }

  /** TF Serving's {@code GET /v1/models/NAME/metadata}: the signatures with their tensors. */
  public ObjectNode signatureMetadata() {
    ObjectNode defs = JSON.objectNode();
    for (SessionFunction f : functions.values()) {
      Signature s = f.signature();
      ObjectNode d = defs.putObject(s.key());
      d.set("inputs", tensors(s.getInputs()));
      d.set("outputs", tensors(s.getOutputs()));
      d.put("method_name", s.methodName());
    }
    ObjectNode sd = JSON.objectNode();
    sd.set("signature_def", defs);
    return sd;
  }

  private static ObjectNode tensors(Map<String, Signature.TensorDescription> m) {
    ObjectNode o = JSON.objectNode();
    m.forEach((k, d) -> {
      ObjectNode t = o.putObject(k);
      t.put("dtype", d.dataType.name());
      ObjectNode shape = t.putObject("tensor_shape");
      Shape s = d.shape;
      if (s.isUnknown()) {
        shape.put("unknown_rank", true);
      } else {
        ArrayNode dims = shape.putArray("dim");
        for (int i = 0; i < s.numDimensions(); i++) {
          dims.addObject().put("size", Long.toString(s.get(i))).put("name", "");
        }
      }
      t.put("name", d.name);
    });
    return o;
  }

  @Override
  public void close() {
    bundle.close();
  }
}
