package dev.nightjar.workflow;

import dev.nightjar.common.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * An Oozie workflow (uri:oozie:workflow:*) as the local runner sees it: control nodes and Spark
 * actions that run {@code dev.nightjar.Main}. {@link #plan} turns it into the order the actions
 * run in for given parameters: decisions are taken, and the paths of a fork run one after another.
 */
public final class WorkflowDefinition {
  /** Node kinds the runner understands. */
  enum Kind { START, END, KILL, FORK, JOIN, DECISION, ACTION }

  /** A node; {@code to} lists its transitions (fork paths, decision cases then default, ok). */
  record NodeDef(String name, Kind kind, List<String> to, List<String> predicates, List<String> args) {}

  /** An action to run: its name and its arguments with every parameter substituted. */
  public record Step(String name, List<String> args, String fork, int path) {
    /** An action outside any fork. */
    public Step(String name, List<String> args) {
      this(name, args, null, -1);
    }
  }

  private final String name;
  private final String source;
  private final Map<String, String> parameterDefaults;
  private final Map<String, NodeDef> nodes;
  private final String start;

  private WorkflowDefinition(String name, String source, Map<String, String> parameterDefaults,
      Map<String, NodeDef> nodes, String start) {
    this.name = name;
    this.source = source;
    this.parameterDefaults = parameterDefaults;
    this.nodes = nodes;
    this.start = start;
  }

  public String name() {
    return name;
  }

  /** Parameters declared in {@code <parameters>} with a default value. */
  public Map<String, String> parameterDefaults() {
    return parameterDefaults;
  }

  public static WorkflowDefinition parse(InputStream in, String source) {
    Element root;
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      root = f.newDocumentBuilder().parse(in).getDocumentElement();
    } catch (SAXException | IOException | ParserConfigurationException e) {
      throw new UsageException("Cannot read workflow " + source + ": " + e.getMessage());
    }
    if (!root.getLocalName().equals("workflow-app")
        || root.getNamespaceURI() == null || !root.getNamespaceURI().startsWith("uri:oozie:workflow:")) {
      throw new UsageException("Cannot read workflow " + source + ": expected an Oozie <workflow-app>, found <"
          + root.getTagName() + ">");
    }
    Map<String, String> defaults = new LinkedHashMap<>();
    Map<String, NodeDef> nodes = new LinkedHashMap<>();
    String start = null;
    for (Element e : children(root)) {
      String n = e.getAttribute("name");
      switch (e.getLocalName()) {
        case "parameters" -> {
          for (Element p : children(e)) {
            Element value = child(p, "value");
            if (value != null) {
              defaults.put(text(child(p, "name")), value.getTextContent().trim());
            }
          }
        }
        case "start" -> start = e.getAttribute("to");
        case "end" -> put(nodes, new NodeDef(n, Kind.END, List.of(), List.of(), List.of()), source);
        case "kill" -> put(nodes, new NodeDef(n, Kind.KILL, List.of(), List.of(), List.of()), source);
        case "join" -> put(nodes, new NodeDef(n, Kind.JOIN, List.of(e.getAttribute("to")), List.of(), List.of()), source);
        case "fork" -> {
          List<String> paths = new ArrayList<>();
          children(e).forEach(p -> paths.add(p.getAttribute("start")));
          put(nodes, new NodeDef(n, Kind.FORK, paths, List.of(), List.of()), source);
        }
        case "decision" -> {
          List<String> to = new ArrayList<>();
          List<String> predicates = new ArrayList<>();
          for (Element c : children(child(e, "switch"))) {
            to.add(c.getAttribute("to"));
            if (c.getLocalName().equals("case")) {
              predicates.add(c.getTextContent().trim());
            }
          }
          put(nodes, new NodeDef(n, Kind.DECISION, to, predicates, List.of()), source);
        }
        case "action" -> put(nodes, action(e, source), source);
        default -> { } // global, credentials, sla:info: cluster matters, nothing to run locally
      }
    }
    if (start == null || !nodes.containsKey(start)) {
      throw new UsageException("Workflow " + source + ": <start to=\"" + start + "\"> names no node");
    }
    return new WorkflowDefinition(root.getAttribute("name"), source, defaults, nodes, start);
  }

  private static NodeDef action(Element e, String source) {
    String n = e.getAttribute("name");
    Element body = null;
    String ok = null;
    for (Element c : children(e)) {
      switch (c.getLocalName()) {
        case "ok" -> ok = c.getAttribute("to");
        case "error", "info" -> { }
        default -> body = c;
      }
    }
    if (body == null || !body.getLocalName().equals("spark")) {
      throw new UsageException("Workflow " + source + ": action " + n + " is a <"
          + (body == null ? "missing" : body.getLocalName()) + "> action; the local runner runs <spark> actions only");
    }
    Element cls = child(body, "class");
    if (cls == null || !text(cls).equals("dev.nightjar.Main")) {
      throw new UsageException("Workflow " + source + ": action " + n
          + " must run the class dev.nightjar.Main, found " + (cls == null ? "none" : text(cls)));
    }
    List<String> args = new ArrayList<>();
    for (Element c : children(body)) {
      if (c.getLocalName().equals("arg")) {
        args.add(c.getTextContent().trim());
      }
    }
    if (args.isEmpty()) {
      throw new UsageException("Workflow " + source + ": action " + n + " has no <arg> naming the job to run");
    }
    return new NodeDef(n, Kind.ACTION, List.of(ok), List.of(), List.copyOf(args));
  }

  /**
   * The actions in the order the local runner runs them: decisions evaluated with params, each
   * fork's paths one after another up to their join. An action on a path of a (top-level) fork
   * carries the fork's name and the path's index, so a runner may run the paths side by side.
   */
  public List<Step> plan(Map<String, String> params) {
    List<Step> steps = new ArrayList<>();
    String last = walk(start, params, steps, new LinkedHashSet<>(), null, -1);
    if (nodes.get(last).kind() != Kind.END) {
      throw new UsageException("Workflow " + source + ": the path from <start> ends at " + last + ", not at <end>");
    }
    return steps;
  }

  /** Follows transitions from name until an end, kill or join node, which it returns. */
  private String walk(String from, Map<String, String> params, List<Step> steps, Set<String> seen,
      String fork, int path) {
    String name = from;
    while (true) {
      NodeDef node = nodes.get(name);
      if (node == null) {
        throw new UsageException("Workflow " + source + ": a transition names the missing node " + name);
      }
      if (!seen.add(name) && node.kind() != Kind.JOIN) {
        throw new UsageException("Workflow " + source + ": node " + name + " is reached twice (a cycle?)");
      }
      switch (node.kind()) {
        case END, JOIN -> {
          return name;
        }
        case KILL -> throw new UsageException(
            "Workflow " + source + ": with these parameters the decisions lead to the kill node " + name);
        case ACTION -> {
          List<String> args = new ArrayList<>();
          for (String a : node.args()) {
            args.add(Expressions.substitute(a, params, "action " + name));
          }
          steps.add(new Step(name, List.copyOf(args), fork, path));
          name = node.to().get(0);
        }
        case DECISION -> {
          String next = node.to().get(node.to().size() - 1);
          for (int i = 0; i < node.predicates().size(); i++) {
            if (Expressions.predicate(node.predicates().get(i), params, "decision " + name)) {
              next = node.to().get(i);
              break;
            }
          }
          name = next;
        }
        case FORK -> {
          String join = null;
          for (int i = 0; i < node.to().size(); i++) {
            String first = node.to().get(i);
            // A fork inside a path runs within that path.
            String reached = fork == null ? walk(first, params, steps, seen, name, i) : walk(first, params, steps, seen, fork, path);
            if (nodes.get(reached).kind() != Kind.JOIN || join != null && !join.equals(reached)) {
              throw new UsageException("Workflow " + source + ": path " + first + " of fork " + name
                  + " ends at " + reached + ", expected " + (join == null ? "a join" : "the join " + join));
            }
            join = reached;
          }
          name = nodes.get(join).to().get(0);
        }
        default -> throw new IllegalStateException("" + node.kind());
      }
    }
  }

  private static void put(Map<String, NodeDef> nodes, NodeDef n, String source) {
    if (nodes.put(n.name(), n) != null) {
      throw new UsageException("Workflow " + source + ": two nodes are named " + n.name());
    }
  }

  private static List<Element> children(Element e) {
    List<Element> out = new ArrayList<>();
    for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
      if (c instanceof Element el) {
        out.add(el);
      }
    }
    return out;
  }

  private static Element child(Element e, String localName) {
    for (Element c : children(e)) {
      if (c.getLocalName().equals(localName)) {
        return c;
      }
    }
    return null;
  }

  private static String text(Element e) {
    return e == null ? "" : e.getTextContent().trim();
  }
}
