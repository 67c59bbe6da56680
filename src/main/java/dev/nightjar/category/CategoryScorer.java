package dev.nightjar.category;

import dev.nightjar.savedmodel.SavedModelServable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.NdArray;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * The category SavedModel ({@link CategorySavedModel}) loaded with tensorflow-java. {@link
 * #predict} is thread-safe (a TensorFlow session runs concurrent calls) and returns what {@link
 * KeslerModel#predict(List)} returns for the same terms.
 */
public final class CategoryScorer implements AutoCloseable {
  private final SavedModelBundle bundle;
  private final SessionFunction function;
  /** The serving bundle (its pools for large calls), or null: calls go through the function. */
  private final SavedModelServable servable;
  private final int maxDepth;

  private CategoryScorer(SavedModelBundle bundle, SavedModelServable servable) {
    this.bundle = bundle;
    this.servable = servable;
    this.function = bundle.function(Signature.DEFAULT_KEY);
    var out = function.signature().getOutputs().get(CategorySavedModel.LEVEL_SCORES);
    if (out == null) {
      throw new IllegalArgumentException("Expected a category SavedModel with output " + CategorySavedModel.LEVEL_SCORES
          + ", found outputs " + function.signature().outputNames());
    }
    long[] dims = out.shape.asArray();
    this.maxDepth = dims.length == 2 ? (int) dims[1] : -1;
  }

  /**
   * A scorer over an already loaded SavedModel (the serving service loads each version once, with
   * its own session options, for this scorer and the generic TF Serving API; large calls run in
   * its pool for them); closing it closes the bundle.
   */
  public static CategoryScorer of(SavedModelServable servable) {
    return new CategoryScorer(servable.bundle(), servable);
  }

  /** Loads the SavedModel in {@code savedModelDir} (tag {@code serve}). */
  public static CategoryScorer load(Path savedModelDir) {
    if (!Files.isRegularFile(savedModelDir.resolve("saved_model.pb"))) {
      throw new IllegalArgumentException("Expected a SavedModel in " + savedModelDir + ", found no saved_model.pb");
    }
    return new CategoryScorer(SavedModelBundle.load(savedModelDir.toString(), SavedModelBundle.DEFAULT_TAG), null);
  }

  /** The taxonomy depth the model was exported with (width of level_scores), -1 when unknown. */
  public int maxDepth() {
    return maxDepth;
  }

  /** Products per call to the graph when a large batch is split. */
  static final int CHUNK = 32;

  /**
   * One prediction per product, in order; each product is its list of terms. A large batch is
   * scored in chunks of products with similar term counts: the graph pads every row to the
   * longest one, and the terms' pairwise comparison (distinct terms) grows with its square.
   */
  public List<KeslerModel.Prediction> predict(List<List<String>> termsPerProduct) {
    return predict(termsPerProduct, () -> {});
  }

  /** {@link #predict(List)}, running {@code beforeChunk} before each call to the graph (it may throw to stop). */
  public List<KeslerModel.Prediction> predict(List<List<String>> termsPerProduct, Runnable beforeChunk) {
    int b = termsPerProduct.size();
    if (b <= CHUNK) {
      beforeChunk.run();
      return predictPadded(termsPerProduct);
    }
    Integer[] order = new Integer[b];
    for (int i = 0; i < b; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> termsPerProduct.get(i).size()));
    KeslerModel.Prediction[] out = new KeslerModel.Prediction[b];
    for (int from = 0; from < b; from += CHUNK) {
      int to = Math.min(b, from + CHUNK);
      List<List<String>> chunk = new ArrayList<>(to - from);
      for (int k = from; k < to; k++) {
        chunk.add(termsPerProduct.get(order[k]));
      }
      beforeChunk.run();
      List<KeslerModel.Prediction> got = predictPadded(chunk);
      for (int k = from; k < to; k++) {
        out[order[k]] = got.get(k - from);
      }
    }
    return java.util.Arrays.asList(out);
  }

  private List<KeslerModel.Prediction> predictPadded(List<List<String>> termsPerProduct) {
    int b = termsPerProduct.size();
    if (b == 0) {
      return List.of();
    }
    int width = 1;
    for (List<String> t : termsPerProduct) {
      width = Math.max(width, t.size());
    }
    NdArray<String> in = NdArrays.ofObjects(String.class, Shape.of(b, width));
    for (int i = 0; i < b; i++) {
      List<String> t = termsPerProduct.get(i);
      for (int j = 0; j < width; j++) {
        String term = j < t.size() ? t.get(j) : "";
        in.setObject(term == null ? "" : term, i, j);
      }
    }
    try (TString tokens = TString.tensorOf(in);
        SavedModelServable.Fetched r = servable != null ? servable.run(function, Map.of(CategorySavedModel.TOKENS, tokens))
            : new SavedModelServable.Fetched(function.call(Map.of(CategorySavedModel.TOKENS, tokens)))) {
      TInt64 ids = (TInt64) r.get(CategorySavedModel.CATEGORY_ID).orElseThrow();
      TString paths = (TString) r.get(CategorySavedModel.CATEGORY_PATH).orElseThrow();
      TFloat32 scores = (TFloat32) r.get(CategorySavedModel.LEVEL_SCORES).orElseThrow();
      TInt32 depth = (TInt32) r.get(CategorySavedModel.DEPTH).orElseThrow();
      TInt32 index = (TInt32) r.get(CategorySavedModel.CATEGORY_INDEX).orElseThrow();
      // SavedModels exported before beam search have no confidence output.
      TFloat64 confidence = (TFloat64) r.get(CategorySavedModel.CONFIDENCE).orElse(null);
      List<KeslerModel.Prediction> out = new ArrayList<>(b);
      for (int i = 0; i < b; i++) {
        double[] s = new double[depth.getInt(i)];
        for (int l = 0; l < s.length; l++) {
          s[l] = scores.getFloat(i, l);
        }
        out.add(new KeslerModel.Prediction(index.getInt(i), ids.getLong(i), paths.getObject(i), s, confidence == null ? Double.NaN : confidence.getDouble(i)));
      }
      return out;
    }
  }

  @Override
  public void close() {
    bundle.close();
  }
}
