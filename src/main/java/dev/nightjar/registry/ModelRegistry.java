package dev.nightjar.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.nightjar.tables.Warehouse;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * The model registry under {@code WAREHOUSE/models}: {@code NAME/VERSION/} directories (VERSION an
 * increasing integer) and {@code NAME/aliases/ALIAS} files holding a version number.
 *
 * <p>The version directories follow TF Serving's layout ({@code model_base_path = models/NAME}, the
 * SavedModel at the version root), so TF Serving can serve the registry unmodified; everything that
 * is not a version (aliases, verdicts, {@code .tmp-*} drafts) has a non-numeric name it ignores.
 *
 * <p>Atomicity: a version is assembled in a {@code .tmp-*} draft and renamed into place in one
 * step, and an alias is replaced by renaming a new file over it, so a reader sees a whole version or
 * none, and an alias pointing at the old or the new version. Works on any Hadoop file system whose
 * rename is atomic (local, HDFS; on object stores renames are copies, so publish to HDFS there).
 */
public final class ModelRegistry {
  public static final String DIR = "models";
  public static final String METADATA = "metadata.json";
  public static final String SAVED_MODEL = "saved_model.pb";
  public static final String CURRENT = "current";
  public static final String PREVIOUS = "previous";
  /** The folder of a model's alias files (also read by {@link LocalRegistry}). */
  static final String ALIASES = "aliases";
  static final String VERDICTS = "verdicts";
  static final String DRAFT_PREFIX = ".tmp-";

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
  private static final Pattern ALIAS = Pattern.compile("[a-z][a-z0-9_-]*");
  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,9}");
  public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, false);

  private final FileSystem fs;
  private final FileContext fc;
  private final Path root;

  private ModelRegistry(FileSystem fs, FileContext fc, Path root) {
    this.fs = fs;
    this.fc = fc;
    this.root = root;
  }

  /** The registry of a warehouse root (any Hadoop file-system URI or local path). */
  public static ModelRegistry open(String warehouseRoot, Configuration conf) {
    Path root = new Path(new Path(warehouseRoot), DIR);
    try {
      FileSystem fs = Warehouse.withoutChecksums(root, conf);
      Path qualified = fs.makeQualified(root);
      return new ModelRegistry(fs, FileContext.getFileContext(qualified.toUri(), conf), qualified);
    } catch (IOException e) {
      throw new RegistryException("Cannot open the model registry " + root + ": " + e.getMessage(), e);
    }
  }

  public Path root() {
    return root;
  }

  public FileSystem fileSystem() {
    return fs;
  }

  /** The registered model names, sorted. */
  public List<String> models() {
    List<String> out = new ArrayList<>();
    for (FileStatus s : list(root)) {
      if (s.isDirectory() && NAME.matcher(s.getPath().getName()).matches()) {
        out.add(s.getPath().getName());
      }
    }
    Collections.sort(out);
    return out;
  }

  /** The complete versions of a model, ascending (drafts are not versions). */
  public List<Integer> versions(String model) {
    List<Integer> out = new ArrayList<>();
    for (FileStatus s : list(modelPath(model))) {
      if (s.isDirectory() && VERSION.matcher(s.getPath().getName()).matches()) {
        out.add(Integer.parseInt(s.getPath().getName()));
      }
    }
    Collections.sort(out);
    return out;
  }

  public Optional<Integer> latestVersion(String model) {
    List<Integer> v = versions(model);
    return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
  }

  public Path modelPath(String model) {
    return new Path(root, checkName(model));
  }

  public Path versionPath(String model, int version) {
    return new Path(modelPath(model), Integer.toString(version));
  }

  /** The version an alias points at, if the alias exists. */
  public Optional<Integer> alias(String model, String alias) {
    Path p = new Path(new Path(modelPath(model), ALIASES), checkAlias(alias));
    try (InputStream in = fs.open(p)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!VERSION.matcher(text).matches()) {
        throw new RegistryException("Alias file " + p + " should hold a version number, found '" + text + "'");
      }
      return Optional.of(Integer.parseInt(text));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new RegistryException("Cannot read alias " + p + ": " + e.getMessage(), e);
    }
  }

  /** Every alias of a model and its version, sorted by alias. */
  public Map<String, Integer> aliases(String model) {
    Map<String, Integer> out = new TreeMap<>();
    for (FileStatus s : list(new Path(modelPath(model), ALIASES))) {
      String n = s.getPath().getName();
      if (s.isFile() && ALIAS.matcher(n).matches()) {
        alias(model, n).ifPresent(v -> out.put(n, v));
      }
    }
    return out;
  }

  /** The metadata of a version. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> metadata(String model, int version) {
    Path p = new Path(versionPath(model, version), METADATA);
    try (InputStream in = fs.open(p)) {
      return JSON.readValue(in, LinkedHashMap.class);
    } catch (FileNotFoundException e) {
      throw new RegistryException("Model " + model + " has no version " + version + " (no " + p + ")");
    } catch (IOException e) {
      throw new RegistryException("Cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  /** A new empty draft directory for {@code model}; fill it, then {@link #commit}. */
  public Path newDraft(String model) {
    Path draft = new Path(modelPath(model), DRAFT_PREFIX + UUID.randomUUID());
    try {
      fs.mkdirs(draft);
      return draft;
    } catch (IOException e) {
      throw new RegistryException("Cannot create draft " + draft + ": " + e.getMessage(), e);
    }
  }

  /** Deletes a draft that will not be committed (a failed publish). */
  public void discard(Path draft) {
    try {
      fs.delete(draft, true);
    } catch (IOException e) {
      // A leftover draft is invisible to readers; the next publish's cleanup removes it.
    }
  }

  /**
   * Makes a filled draft version {@code version} in one rename. Refuses an existing version, and
   * a draft without its metadata or, when {@code savedModel}, without a complete SavedModel.
   */
  public void commit(String model, Path draft, int version, boolean savedModel) {
    Path target = versionPath(model, version);
    requireFile(new Path(draft, METADATA), "metadata");
    if (savedModel) {
      requireFile(new Path(draft, SAVED_MODEL), "SavedModel graph");
      requireVariables(new Path(draft, "variables"));
    }
    try {
      if (fs.exists(target)) {
        throw new RegistryException("Cannot publish " + model + " version " + version + ": " + target
            + " already exists (published versions are never overwritten)");
      }
      // FileContext.rename without OVERWRITE fails when the target exists, closing the race above.
      fc.rename(draft, target, Options.Rename.NONE);
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      throw new RegistryException("Cannot publish " + model + " version " + version + ": " + target
          + " already exists (published versions are never overwritten)");
    } catch (IOException e) {
      throw new RegistryException("Cannot move " + draft + " to " + target + ": " + e.getMessage(), e);
    }
  }

  /** Points {@code alias} at {@code version} by renaming a new alias file over the old one. */
  public void setAlias(String model, String alias, int version) {
    if (!exists(versionPath(model, version))) {
      throw new RegistryException("Cannot set alias " + alias + " of " + model + " to version " + version
          + ": no such version (versions: " + versions(model) + ")");
    }
    Path dir = new Path(modelPath(model), ALIASES);
    writeAtomically(new Path(dir, checkAlias(alias)), (version + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Removes an alias (e.g. a finished canary). {@code current} cannot be removed: serving and TF
   * Serving read it; promote or roll back instead. Returns the version it pointed at.
   */
  public int deleteAlias(String model, String alias) {
    if (alias.equals(CURRENT)) {
      throw new RegistryException("Cannot delete alias " + CURRENT + " of " + model
          + ": serving reads it; move it with models promote or models rollback instead");
    }
    int v = alias(model, alias).orElseThrow(() -> new RegistryException("Model " + model + " has no alias " + alias
        + " (aliases: " + aliases(model) + ")"));
    Path p = new Path(new Path(modelPath(model), ALIASES), alias);
    try {
      fs.delete(p, false);
      return v;
    } catch (IOException e) {
      throw new RegistryException("Cannot delete alias " + p + ": " + e.getMessage(), e);
    }
  }

  /**
   * Moves {@code current} to {@code version}, keeping the old one as {@code previous}. Returns the
   * old current version (or 0).
   */
  public int promote(String model, int version) {
    if (!exists(versionPath(model, version))) {
      throw new RegistryException("Cannot promote " + model + " version " + version
          + ": no such version (versions: " + versions(model) + ")");
    }
    int old = alias(model, CURRENT).orElse(0);
    if (old == version) {
      return old;
    }
    if (old > 0) {
      setAlias(model, PREVIOUS, old);
    }
    setAlias(model, CURRENT, version);
    return old;
  }

  /** Puts {@code current} back to {@code previous} (and {@code previous} to the version rolled back from). */
  public int rollback(String model) {
    int prev = alias(model, PREVIOUS).orElseThrow(() -> new RegistryException(
        "Cannot roll back " + model + ": it has no previous version (aliases: " + aliases(model) + ")"));
    int cur = alias(model, CURRENT).orElse(0);
    if (cur == prev) {
      throw new RegistryException("Cannot roll back " + model + ": current and previous are both version " + cur);
    }
    setAlias(model, CURRENT, prev);
    if (cur > 0) {
      setAlias(model, PREVIOUS, cur);
    }
    return prev;
  }

  /** Writes the verdict of one publication attempt: {@code NAME/verdicts/DATE.json}. */
  public Path writeVerdict(String model, String date, Map<String, Object> verdict) {
    Path p = new Path(new Path(modelPath(model), VERDICTS), date + ".json");
    try {
      writeAtomically(p, JSON.writeValueAsBytes(verdict));
      return p;
    } catch (IOException e) {
      throw new RegistryException("Cannot write verdict " + p + ": " + e.getMessage(), e);
    }
  }

  /** Removes drafts left behind by crashed publishes (never visible as versions). */
  public int removeDrafts(String model) {
    int n = 0;
    for (FileStatus s : list(modelPath(model))) {
      if (s.getPath().getName().startsWith(DRAFT_PREFIX)) {
        discard(s.getPath());
        n++;
      }
    }
    return n;
  }

  /** Writes a small file in place of {@code target} in one rename. */
  void writeAtomically(Path target, byte[] bytes) {
    Path tmp = new Path(target.getParent(), DRAFT_PREFIX + target.getName() + "-" + UUID.randomUUID());
    try {
      fs.mkdirs(target.getParent());
      try (OutputStream out = fs.create(tmp, false)) {
        out.write(bytes);
      }
      fc.rename(tmp, target, Options.Rename.OVERWRITE);
    } catch (IOException e) {
      discard(tmp);
      throw new RegistryException("Cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  private void requireFile(Path p, String what) {
    try {
      FileStatus s = fs.getFileStatus(p);
      if (!s.isFile() || s.getLen() == 0) {
        throw new RegistryException("The draft's " + what + " " + p + " is empty or not a file");
      }
    } catch (FileNotFoundException e) {
      throw new RegistryException("The draft has no " + what + ": expected " + p);
    } catch (IOException e) {
      throw new RegistryException("Cannot check " + p + ": " + e.getMessage(), e);
    }
  }

  /**
   * A SavedModel's variables: when the graph has variables (data shards) their index is there
   * too. A graph of constants only has an empty or no {@code variables/} directory.
   */
  private void requireVariables(Path dir) {
    try {
      FileStatus[] files = fs.listStatus(dir);
      boolean data = false;
      boolean index = false;
      for (FileStatus f : files) {
        data |= f.getPath().getName().startsWith("variables.data-");
        index |= f.getPath().getName().equals("variables.index") && f.getLen() > 0;
      }
      if (data && !index) {
        throw new RegistryException("The draft has no SavedModel variables index: expected " + new Path(dir, "variables.index"));
      }
    } catch (FileNotFoundException e) {
      // A graph without variables (constants only) may have no variables directory at all.
    } catch (IOException e) {
      throw new RegistryException("Cannot check " + dir + ": " + e.getMessage(), e);
    }
  }

  private boolean exists(Path p) {
    try {
      return fs.exists(p);
    } catch (IOException e) {
      throw new RegistryException("Cannot check " + p + ": " + e.getMessage(), e);
    }
  }

  private List<FileStatus> list(Path dir) {
    try {
      return List.of(fs.listStatus(dir));
    } catch (FileNotFoundException e) {
      return List.of();
    } catch (IOException e) {
      throw new RegistryException("Cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  static String checkName(String model) {
    if (model == null || !NAME.matcher(model).matches()) {
      throw new RegistryException("Model name should match " + NAME + ", found '" + model + "'");
    }
    return model;
  }

  static String checkAlias(String alias) {
    if (alias == null || !ALIAS.matcher(alias).matches()) {
      throw new RegistryException("Alias should match " + ALIAS + ", found '" + alias + "'");
    }
    return alias;
  }

  /** A registry operation that cannot be done, with a message for people. */
  public static final class RegistryException extends dev.nightjar.common.JobFailedException {
    public RegistryException(String message) {
      super(message);
    }

    public RegistryException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
