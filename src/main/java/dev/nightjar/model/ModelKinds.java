package dev.nightjar.model;

import dev.nightjar.common.UsageException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** The {@link ModelKind}s on the class path, by name (the pattern {@code Main} uses for jobs). */
public final class ModelKinds {
  private static final List<ModelKind> ALL = load();

  private ModelKinds() {}

  private static List<ModelKind> load() {
    List<ModelKind> out = new ArrayList<>();
    ServiceLoader.load(ModelKind.class).forEach(out::add);
    out.sort(Comparator.comparing(ModelKind::name));
    for (int i = 1; i < out.size(); i++) {
      if (out.get(i).name().equals(out.get(i - 1).name())) {
        throw new IllegalStateException("Two model kinds are named " + out.get(i).name() + ": "
            + out.get(i - 1).getClass().getName() + " and " + out.get(i).getClass().getName());
      }
    }
    return List.copyOf(out);
  }

  /** Every kind, sorted by name. */
  public static List<ModelKind> all() {
    return ALL;
  }

  public static List<String> names() {
    return ALL.stream().map(ModelKind::name).toList();
  }

  public static Optional<ModelKind> find(String name) {
    return ALL.stream().filter(k -> k.name().equals(name)).findFirst();
  }

  /** The kind named {@code name}; {@code what} says what was asked ("Cannot publish model"). */
  public static ModelKind get(String name, String what) {
    return find(name).orElseThrow(() -> new UsageException(
        what + " '" + name + "': expected one of " + String.join(", ", names())));
  }
}
