package dev.nightjar.featurestore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Pipeline;

/**
 * The feature store in Redis, for several serving hosts. A snapshot is one hash {@code
 * PREFIX:snap:VERSION:ID} (shop id → JSON row), written with a one-day expiry so a writer that
 * dies midway leaves nothing behind; {@code PREFIX:current} then names it ({@code
 * {"version": ..., "key": ...}}) in one SET, its expiry is removed, and the snapshot before the
 * previous one is deleted (the previous one stays, so a reader that read {@code current} just
 * before the switch still finds its hash).
 */
public final class RedisFeatureStore implements FeatureStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BATCH = 1000;
  private static final long WRITING_TTL_SECONDS = 86_400;

  private record Pointer(String raw, String version, String key) {}

  private final URI uri;
  private final String prefix;
  private final long refreshMillis;
  private final JedisPooled redis;
  private volatile Pointer cached;
  private volatile long cachedAt;

  public RedisFeatureStore(URI uri, String prefix, long refreshMillis) {
    if (!"redis".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("Expected a Redis URL redis://host:port[/db], found " + uri);
    }
    this.uri = uri;
    this.prefix = prefix;
    this.refreshMillis = refreshMillis;
    this.redis = new JedisPooled(uri);
  }

  private String currentKey() {
    return prefix + ":current";
  }

  private String previousKey() {
    return prefix + ":previous";
  }

  @Override
  public long putAll(String version, Iterator<Map.Entry<String, String>> rows) throws IOException {
    String key = prefix + ":snap:" + version + ":" + UUID.randomUUID();
    long n = 0;
    try (Pipeline p = redis.pipelined()) {
      while (rows.hasNext()) {
        Map.Entry<String, String> e = rows.next();
        EmbeddedFeatureStore.parseRow(e.getKey(), e.getValue());
        p.hset(key, e.getKey(), e.getValue());
        if (n++ % BATCH == 0) {
          p.expire(key, WRITING_TTL_SECONDS);
          p.sync();
        }
      }
      p.sync();
    }
    String pointer = JSON.createObjectNode().put("version", version).put("key", key).toString();
    Pointer before = parse(redis.get(currentKey()));
    Pointer older = parse(redis.get(previousKey()));
    redis.set(currentKey(), pointer);
    redis.persist(key);
    if (before != null) {
      redis.set(previousKey(), before.raw());
    }
    if (older != null && !older.key().equals(key) && (before == null || !older.key().equals(before.key()))) {
      redis.unlink(older.key());
    }
    cached = null;
    return n;
  }

  private static Pointer parse(String raw) throws IOException {
    if (raw == null) {
      return null;
    }
    JsonNode n = JSON.readTree(raw);
    if (n == null || !n.path("key").isTextual()) {
      throw new IOException("Expected {\"version\": ..., \"key\": ...} in the feature store's current pointer, found " + raw);
    }
    return new Pointer(raw, n.path("version").asText(), n.get("key").asText());
  }

  private Pointer pointer() throws IOException {
    Pointer p = cached;
    long now = System.nanoTime();
    if (p == null || now - cachedAt >= refreshMillis * 1_000_000L) {
      p = parse(redis.get(currentKey()));
      cached = p;
      cachedAt = now;
    }
    return p;
  }

  @Override
  public Optional<String> get(String shopId) throws IOException {
    Pointer p = pointer();
    return p == null ? Optional.empty() : Optional.ofNullable(redis.hget(p.key(), shopId));
  }

  @Override
  public Optional<String> version() throws IOException {
    Pointer p = pointer();
    return p == null ? Optional.empty() : Optional.of(p.version());
  }

  @Override
  public String describe() {
    // The URL without its password.
    return "redis://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort()) + uri.getPath() + " " + prefix;
  }

  @Override
  public void close() {
    redis.close();
  }
}
