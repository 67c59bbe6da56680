package dev.nightjar.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.common.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sends every request of the corpus {@code src/test/resources/serving-fuzz/} (raw HTTP requests,
 * one per {@code NAME.http}) through a real service on loopback and checks the status and error
 * message of {@code expected.tsv}; no request may get a 5xx, and the service keeps answering.
 *
 * <p>A request file is sent as written, with {@code Content-Length} (of its body, unless it has a
 * {@code Transfer-Encoding}) and {@code Connection: close} added, after expanding {@code @@repeat N@@UNIT@@end@@} to N copies of UNIT
 * (each {@code #} in it replaced by the copy's index), which keeps large bodies small on disk.
 */
class ServingFuzzTest {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern REPEAT = Pattern.compile("@@repeat (\\d+)@@(.*?)@@end@@", Pattern.DOTALL);

  @TempDir Path warehouse;

  record Response(int status, Map<String, String> headers, byte[] body) {}

  static Path corpus() throws Exception {
    return Path.of(ServingFuzzTest.class.getResource("/serving-fuzz/expected.tsv").toURI()).getParent();
  }

  /** The request bytes of a corpus file: directives expanded, Content-Length and Connection: close added. */
  static byte[] request(byte[] file) {
    String text = new String(file, StandardCharsets.ISO_8859_1);
    Matcher m = REPEAT.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      int n = Integer.parseInt(m.group(1));
      StringBuilder rep = new StringBuilder();
      for (int i = 0; i < n; i++) {
        rep.append(m.group(2).replace("#", Integer.toString(i)));
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(rep.toString()));
    }
    m.appendTail(sb);
    text = sb.toString();
    int split = text.indexOf("\r\n\r\n");
    String head = text.substring(0, split);
    String body = text.substring(split + 4);
    head += "\r\nConnection: close";
    if ((!body.isEmpty() || head.startsWith("POST ")) && !head.toLowerCase(java.util.Locale.ROOT).contains("\r\ntransfer-encoding:")) {
      head += "\r\nContent-Length: " + body.length();
    }
    return (head + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1);
  }

  static Response send(int port, byte[] request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buf = new byte[1 << 16];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          all.write(buf, 0, n);
        }
      } catch (java.net.SocketException e) {
        // A reset after the answer (the server closed with unread request bytes) ends the read.
      }
      byte[] raw = all.toByteArray();
      String text = new String(raw, StandardCharsets.ISO_8859_1);
      int split = text.indexOf("\r\n\r\n");
      if (split < 0) {
        throw new IOException("No complete HTTP answer: '" + text + "'");
      }
      String[] lines = text.substring(0, split).split("\r\n");
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int c = lines[i].indexOf(':');
        headers.put(lines[i].substring(0, c).trim().toLowerCase(java.util.Locale.ROOT), lines[i].substring(c + 1).trim());
      }
      byte[] body = java.util.Arrays.copyOfRange(raw, split + 4, raw.length);
      return new Response(Integer.parseInt(lines[0].split(" ")[1]), headers, body);
    }
  }

  static String unescape(String s) {
    Matcher m = Pattern.compile("\\\\u([0-9a-fA-F]{4})").matcher(s);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(m.group(1), 16))));
    }
    return m.appendTail(sb).toString();
  }

  static ServingService.Options options(Path accessLog) {
    Map<String, String> sets = new LinkedHashMap<>();
    sets.put("serving.port", "0");
    sets.put("serving.host", "127.0.0.1");
    sets.put("serving.models", "[category, affine, budget, broad_query]");
    sets.put("serving.access-log", "\"" + accessLog + "\"");
    return ServingService.Options.from(Settings.load(new java.io.File("/nonexistent"), null, sets));
  }

  @Test
  void everyHostileRequestGetsItsStatusAndMessageAndNoneA5xx() throws Exception {
    ServingFixtures.publish(warehouse, "category", 1, d -> ServingFixtures.category(d, 1));
    ServingFixtures.publish(warehouse, "affine", 1, d -> ServingFixtures.affine(d, 2f, 1f));
    Path dir = corpus();
    Map<String, String[]> expected = new LinkedHashMap<>();
    for (String line : Files.readAllLines(dir.resolve("expected.tsv"), StandardCharsets.UTF_8)) {
      if (!line.startsWith("#") && !line.isBlank()) {
        String[] f = line.split("\t", 3);
        expected.put(f[0], f);
      }
    }
    TreeSet<String> files = new TreeSet<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".http"))
          .forEach(n -> files.add(n.substring(0, n.length() - ".http".length())));
    }
    assertEquals(new TreeSet<>(expected.keySet()), files, "every request file has one expected line and vice versa");
    assertTrue(files.size() >= 100, "the corpus has " + files.size() + " requests");

    Path log = warehouse.resolve("access.log");
    List<String> failures = new ArrayList<>();
    int refusedByJdk = 0;
    try (ServingService service = ServingService.start(options(log), warehouse, Optional.empty())) {
      for (String name : files) {
        String[] want = expected.get(name);
        int status = Integer.parseInt(want[1]);
        String message = unescape(want[2]);
        Response r;
        try {
          r = send(service.port(), request(Files.readAllBytes(dir.resolve(name + ".http"))));
        } catch (IOException e) {
          failures.add(name + ": " + e);
          continue;
        }
        String body = new String(r.body(), StandardCharsets.UTF_8);
        String got = body;
        if (message.equals("JDK")) {
          // A request line that is not a URI (a raw control character, a bad %-escape) never
          // reaches the service: the JDK's server answers 400 itself and logs nothing.
          refusedByJdk++;
          if (r.status() != 400) {
            failures.add(name + ": expected the HTTP server's own 400, found " + r.status() + " " + body);
          }
          continue;
        }
        if (!message.equals("*")) {
          JsonNode json;
          try {
            json = JSON.readTree(body);
          } catch (IOException e) {
            json = JSON.createObjectNode().put("error", "(not JSON) " + body);
          }
          got = json.has("error") ? json.get("error").asText() : "-";
        }
        boolean ok = r.status() == status && (message.equals("*") || (message.endsWith("*")
            ? got.startsWith(message.substring(0, message.length() - 1)) : got.equals(message)));
        if (!ok) {
          failures.add(name + ": expected " + status + " '" + message + "', found " + r.status() + " '"
              + (got.length() > 300 ? got.substring(0, 300) + "..." : got) + "'");
        }
        if (r.status() >= 500) {
          failures.add(name + ": a 5xx for a client's mistake: " + r.status() + " " + body);
        }
      }
      // Still serving, and every request left one access-log line.
      Response ok = send(service.port(), request("POST /v1/categorize HTTP/1.1\r\nHost: x\r\n\r\n{\"title\": \"Shoe\"}"
          .getBytes(StandardCharsets.UTF_8)));
      assertEquals(200, ok.status(), new String(ok.body(), StandardCharsets.UTF_8));
    }
    assertEquals(List.of(), failures);
    List<String> lines = Files.readAllLines(log);
    assertEquals(files.size() - refusedByJdk + 1, lines.size(), "access log lines");
    assertTrue(lines.stream().anyMatch(l -> l.matches("\\S+Z GET /v1/models/\\.\\.%2Fcategory 404 [0-9]+\\.[0-9]{3}")),
        String.join("\n", lines));
    assertTrue(lines.get(lines.size() - 1).matches("\\S+Z POST /v1/categorize 200 [0-9]+\\.[0-9]{3}"), lines.get(lines.size() - 1));
  }
}
