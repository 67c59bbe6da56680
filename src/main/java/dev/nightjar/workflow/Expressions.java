package dev.nightjar.workflow;

import dev.nightjar.common.UsageException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The small part of Oozie's expression language the local runner needs: {@code ${name}},
 * {@code ${wf:conf('name')}}, and {@code A eq B} / {@code A ne B} over those and quoted literals.
 * Anything else is refused with the expression named, rather than guessed at.
 */
final class Expressions {
  private static final Pattern EL = Pattern.compile("\\$\\{([^}]*)}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][\\w.]*");
  private static final Pattern CONF = Pattern.compile("wf:conf\\(\\s*'([^']*)'\\s*\\)");
  private static final Pattern COMPARE = Pattern.compile("(.+?)\\s+(eq|ne|==|!=)\\s+(.+)");
  private static final int MAX_DEPTH = 20;

  private Expressions() {}

  /** Replaces every {@code ${...}} in text; values may themselves hold expressions. */
  static String substitute(String text, Map<String, String> params, String where) {
    return substitute(text, params, where, 0);
  }

  private static String substitute(String text, Map<String, String> params, String where, int depth) {
    if (depth > MAX_DEPTH) {
      throw new UsageException("Parameters refer to each other in a cycle in " + where + ": " + text);
    }
    Matcher m = EL.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(sb, Matcher.quoteReplacement(eval(m.group(1).trim(), params, where, depth)));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** Evaluates a decision predicate: the expression must come out exactly true or false. */
  static boolean predicate(String text, Map<String, String> params, String where) {
    String v = substitute(text.trim(), params, where).trim();
    if (!v.equals("true") && !v.equals("false")) {
      throw new UsageException(where + ": expected the predicate " + text.trim() + " to be true or false, found '" + v + "'");
    }
    return v.equals("true");
  }

  private static String eval(String expr, Map<String, String> params, String where, int depth) {
    Matcher cmp = COMPARE.matcher(expr);
    if (cmp.matches()) {
      String a = operand(cmp.group(1).trim(), params, where, depth);
      String b = operand(cmp.group(3).trim(), params, where, depth);
      boolean equal = a.equals(b);
      return String.valueOf(cmp.group(2).equals("eq") || cmp.group(2).equals("==") ? equal : !equal);
    }
    return operand(expr, params, where, depth);
  }

  private static String operand(String s, Map<String, String> params, String where, int depth) {
    if (s.length() >= 2 && (s.startsWith("'") && s.endsWith("'") || s.startsWith("\"") && s.endsWith("\""))) {
      return s.substring(1, s.length() - 1);
    }
    if (s.equals("true") || s.equals("false")) {
      return s;
    }
    Matcher conf = CONF.matcher(s);
    String name = conf.matches() ? conf.group(1) : NAME.matcher(s).matches() ? s : null;
    if (name == null) {
      throw new UsageException(
          where + ": the local runner cannot evaluate ${" + s + "} (it knows ${name}, ${wf:conf('name')}, eq and ne)");
    }
    String value = params.get(name);
    if (value == null) {
      throw new UsageException(
          where + " uses ${" + name + "}, which neither job.properties nor the workflow's parameters define");
    }
    return substitute(value, params, where, depth + 1);
  }
}
