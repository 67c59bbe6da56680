package dev.nightjar.taxonomy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A category tree. Nodes are numbered densely ({@link Node#index()}, 0 is the unnamed root) and
 * keep their external id (the Google Product Taxonomy id, or one assigned when the tree is derived
 * from paths), name, parent, depth (1 for top-level categories) and full path ({@code A > B > C}).
 */
public final class Taxonomy implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String SEPARATOR = " > ";
  public static final String BUILTIN = "builtin";

  /** One category. The root has index 0, id 0, depth 0, and an empty name and path. */
  public record Node(int index, long id, String name, int parent, int depth, String path)
      implements Serializable {}

  private final List<Node> nodes;
  private final List<int[]> children;
  private final Map<String, Integer> byPath;
  private final Map<Long, Integer> byId;

  private Taxonomy(List<Node> nodes) {
    this.nodes = List.copyOf(nodes);
    List<List<Integer>> kids = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      kids.add(new ArrayList<>());
    }
    Map<String, Integer> paths = new HashMap<>();
    Map<Long, Integer> ids = new HashMap<>();
    for (Node n : nodes) {
      if (n.index() != 0) {
        kids.get(n.parent()).add(n.index());
        paths.put(n.path(), n.index());
        ids.put(n.id(), n.index());
      }
    }
    List<int[]> c = new ArrayList<>();
    for (List<Integer> k : kids) {
      c.add(k.stream().mapToInt(Integer::intValue).toArray());
    }
    this.children = c;
    this.byPath = paths;
    this.byId = ids;
  }

  /** Splits {@code A > B > C} into trimmed names; blank parts are an error. */
  public static List<String> splitPath(String path) {
    String[] parts = path.split(">");
    List<String> out = new ArrayList<>(parts.length);
    for (String p : parts) {
      String t = p.trim().replaceAll("\\s+", " ");
      if (t.isEmpty()) {
        throw new IllegalArgumentException("Category path '" + path + "' has an empty level");
      }
      out.add(t);
    }
    return out;
  }

  /** The canonical form of a path: names trimmed, joined with {@value #SEPARATOR}. */
  public static String normalizePath(String path) {
    return String.join(SEPARATOR, splitPath(path));
  }

  /**
   * Parses Google's format, one {@code id - A > B > C} a line; {@code #} lines are comments. A
   * category whose parent path is not listed gets the parent created (with a negative id).
   *
   * @param source names the file in error messages
   */
  public static Taxonomy parseGoogle(Reader reader, String source) {
    Builder b = new Builder();
    try (BufferedReader r = new BufferedReader(reader)) {
      int lineNo = 0;
      for (String line; (line = r.readLine()) != null; ) {
        lineNo++;
        String t = line.strip();
        if (lineNo == 1 && t.startsWith("\uFEFF")) {
          t = t.substring(1);
        }
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        int dash = t.indexOf(" - ");
        long id;
        try {
          if (dash <= 0) {
            throw new NumberFormatException();
          }
          id = Long.parseLong(t.substring(0, dash).trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              source + " line " + lineNo + ": expected 'id - A > B > C', found '" + abbreviate(t) + "'");
        }
        try {
          b.add(id, splitPath(t.substring(dash + 3)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(source + " line " + lineNo + ": " + e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read taxonomy " + source, e);
    }
    if (b.nodes.size() == 1) {
      throw new IllegalArgumentException(source + ": no categories found");
    }
    return b.build();
  }

  public static Taxonomy parseGoogle(java.nio.file.Path file) {
    try {
      return parseGoogle(java.nio.file.Files.newBufferedReader(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read taxonomy " + file, e);
    }
  }

  /** The sample taxonomy shipped in the jar (8 top-level categories, 3 levels). */
  public static Taxonomy builtin() {
    InputStream in = Taxonomy.class.getResourceAsStream("builtin-taxonomy.txt");
    return parseGoogle(new InputStreamReader(in, StandardCharsets.UTF_8), "builtin-taxonomy.txt");
  }

  /**
   * Derives a taxonomy from category paths of labelled products. Every prefix of a path becomes a
   * node; ids are 1, 2, ... in sorted path order, so the same paths always give the same ids.
   */
  public static Taxonomy fromPaths(Collection<String> paths) {
    TreeSet<String> all = new TreeSet<>();
    for (String p : paths) {
      List<String> parts = splitPath(p);
      for (int d = 1; d <= parts.size(); d++) {
        all.add(String.join(SEPARATOR, parts.subList(0, d)));
      }
    }
    Builder b = new Builder();
    long id = 1;
    for (String p : all) {
      b.add(id++, splitPath(p));
    }
    return b.build();
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  public Node root() {
    return nodes.get(0);
  }

  public Node node(int index) {
    return nodes.get(index);
  }

  /** Every node, root first, parents before children. */
  public List<Node> nodes() {
    return nodes;
  }

  /** Number of categories, the root excluded. */
  public int size() {
    return nodes.size() - 1;
  }

  public int[] children(int index) {
    return children.get(index);
  }

  public boolean isLeaf(int index) {
    return children.get(index).length == 0;
  }

  public int maxDepth() {
    int d = 0;
    for (Node n : nodes) {
      d = Math.max(d, n.depth());
    }
    return d;
  }

  /** The node of a path ({@code A > B > C}, spacing ignored), or null. */
  public Node byPath(String path) {
    Integer i = byPath.get(path);
    if (i == null) {
      try {
        i = byPath.get(normalizePath(path));
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return i == null ? null : nodes.get(i);
  }

  public Node byId(long id) {
    Integer i = byId.get(id);
    return i == null ? null : nodes.get(i);
  }

  /** The node itself and its ancestors up to the top level (the root excluded), top first. */
  public List<Node> lineage(int index) {
    List<Node> out = new ArrayList<>();
    for (int i = index; i != 0; i = nodes.get(i).parent()) {
      out.add(nodes.get(i));
    }
    Collections.reverse(out);
    return out;
  }

  /** Indices of the leaves, in index order. */
  public int[] leaves() {
    return nodes.stream().filter(n -> n.index() != 0 && isLeaf(n.index())).mapToInt(Node::index).toArray();
  }

  /** Builds a tree from paths given parents-first or not; missing parents are created. */
  private static final class Builder {
    final List<Node> nodes = new ArrayList<>();
    final Map<String, Integer> index = new HashMap<>();
    long syntheticId = -1;

    Builder() {
      nodes.add(new Node(0, 0, "", -1, 0, ""));
    }

    void add(long id, List<String> parts) {
      int parent = 0;
      for (int d = 1; d <= parts.size(); d++) {
        String path = String.join(SEPARATOR, parts.subList(0, d));
        Integer existing = index.get(path);
        if (existing == null) {
          long nodeId = d == parts.size() ? id : syntheticId--;
          Node n = new Node(nodes.size(), nodeId, parts.get(d - 1), parent, d, path);
          nodes.add(n);
          index.put(path, n.index());
          existing = n.index();
        } else if (d == parts.size()) {
          Node old = nodes.get(existing);
          if (old.id() < 0) {
            nodes.set(existing, new Node(old.index(), id, old.name(), old.parent(), old.depth(), old.path()));
          } else if (old.id() != id) {
            throw new IllegalArgumentException("category '" + path + "' is listed twice (ids " + old.id() + " and " + id + ")");
          }
        }
        parent = existing;
      }
    }

    Taxonomy build() {
      return new Taxonomy(nodes);
    }
  }
}
