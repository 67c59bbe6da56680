package dev.nightjar.serving;

import dev.nightjar.category.CategorySavedModel;
import dev.nightjar.category.KeslerModel;
import dev.nightjar.search.BroadQueryKind;
import dev.nightjar.search.EntropyLookup;
import dev.nightjar.taxonomy.Taxonomy;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.StringReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * Registry fixtures written straight to the layout of the briefing: {@code
 * WAREHOUSE/models/NAME/VERSION/} (built under {@code .tmp-*} and renamed) and {@code
 * WAREHOUSE/models/NAME/aliases/current}.
 */
public final class ServingFixtures {
  /** A service on a free loopback port serving {@code category}, polling hourly, no access log; {@code extra} wins. */
  public static ServingService start(Path warehouse, Map<String, String> extra) throws java.io.IOException {
    Map<String, String> sets = new java.util.LinkedHashMap<>();
    sets.put("serving.port", "0");
    sets.put("serving.host", "127.0.0.1");
    sets.put("serving.models", "[category]");
    sets.put("serving.access-log", "none");
    sets.put("serving.poll-interval-ms", "3600000");
    sets.putAll(extra);
    return ServingService.start(ServingService.Options.from(dev.nightjar.common.Settings.load(new java.io.File("/nonexistent"), null, sets)),
        warehouse, java.util.Optional.empty());
  }

  /** Three levels under A, one under F: ids 1..6. */
  static final Taxonomy TAXONOMY = Taxonomy.parseGoogle(new StringReader(
      "1 - A\n2 - A > B\n3 - A > C\n4 - A > C > D\n5 - A > C > E\n6 - F\n"), "tiny");

  interface Writer2 {
    void write(Path dir) throws Exception;
  }

  private ServingFixtures() {}

  /** Writes version {@code version} of {@code name} (atomically) and points {@code current} at it. */
  static Path publish(Path warehouse, String name, long version, Writer2 contents) throws Exception {
    Path model = warehouse.resolve("models").resolve(name);
    Path tmp = model.resolve(".tmp-" + UUID.randomUUID());
    Files.createDirectories(tmp);
    contents.write(tmp);
    Path dir = model.resolve(Long.toString(version));
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    setAlias(warehouse, name, "current", version);
    return dir;
  }

  static void setAlias(Path warehouse, String name, String alias, long version) throws IOException {
    Path aliases = warehouse.resolve("models").resolve(name).resolve("aliases");
    Files.createDirectories(aliases);
    Path tmp = aliases.resolve(".tmp-" + UUID.randomUUID());
    Files.writeString(tmp, version + "\n");
    Files.move(tmp, aliases.resolve(alias), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** A SavedModel computing {@code y = x * a + b} for x DT_FLOAT [batch], and a string echo signature. */
  static void affine(Path dir, float a, float b) throws IOException {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
      var y = tf.withName("y").math.add(tf.math.mul(x, tf.constant(a)), tf.constant(b));
      Placeholder<TString> word = tf.withName("word").placeholder(TString.class, Placeholder.shape(Shape.of(-1, 2)));
      Placeholder<TFloat32> scale = tf.withName("scale").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
      var joined = tf.strings.reduceJoin(word, tf.constant(1), org.tensorflow.op.strings.ReduceJoin.separator("+"));
      SessionFunction main = SessionFunction.create(
          Signature.builder(Signature.DEFAULT_KEY).input("x", x).output("y", y).build(), s);
      SessionFunction two = SessionFunction.create(Signature.builder("two")
          .input("word", word).input("scale", scale)
          .output("joined", joined).output("scaled", tf.math.mul(scale, tf.constant(a))).build(), s);
      SavedModelBundle.exporter(dir.toString()).withFunctions(main, two).export();
    }
  }

  /** A random category model over {@link #TAXONOMY} (weights from {@code seed}), exported. */
  static KeslerModel category(Path dir, long seed) throws IOException {
    Random r = new Random(seed);
    int nf = 1 << 12;
    float[] w = new float[nf];
    for (int i = 0; i < nf; i++) {
      w[i] = (float) (r.nextGaussian() * 2);
    }
    KeslerModel m = new KeslerModel("m" + seed, TAXONOMY, w, Map.of());
    categoryVersion(m, dir);
    return m;
  }

  /**
   * A category version as publish writes it for serving: the SavedModel and a {@code
   * metadata.json} recording the featurization (the default one), which serving requires.
   */
  static void categoryVersion(KeslerModel m, Path dir) throws IOException {
    CategorySavedModel.export(m, dir);
    writeFeaturization(dir, dev.nightjar.text.Featurization.defaults());
  }

  /** Writes {@code dir/metadata.json} with {@code training_info.featurization = f} only. */
  static void writeFeaturization(Path dir, dev.nightjar.text.Featurization f) throws IOException {
    Map<String, Object> meta = Map.of("training_info", Map.of("featurization", f.toMap()));
    new com.fasterxml.jackson.databind.ObjectMapper().writeValue(dir.resolve("metadata.json").toFile(), meta);
  }

  /** A broad_query version: the lookup file with the given lines. */
  static void broadQuery(Path dir, List<String> lines) throws IOException {
    try (Writer w = new OutputStreamWriter(
        new GZIPOutputStream(Files.newOutputStream(dir.resolve(BroadQueryKind.FILE))), StandardCharsets.UTF_8)) {
      for (String l : lines) {
        w.write(l);
        w.write('\n');
      }
    }
  }

  static List<String> broadQueryLines(String top) {
    return List.of(
        EntropyLookup.formatLine("shoes", 1, top, List.of(top, "Sports"), List.of(0.6, 0.4)),
        EntropyLookup.formatLine("red running shoes", 0, top, List.of(), List.of()));
  }
}
