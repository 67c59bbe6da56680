package dev.nightjar.workflow;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.common.JobFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The lock that keeps two runs from writing one warehouse at once: the file {@code
 * WAREHOUSE/_runs/lock} holding its owner (host, pid, user, command, start time). It is created
 * with {@code overwrite=false}, which every Hadoop FileSystem (local, HDFS, S3A with conditional
 * writes) does atomically, so of two runs starting together exactly one gets it. A run killed
 * with {@code kill -9} leaves its lock behind; {@link #breakStale} removes it, but only when its
 * owner is not a live process on this host.
 */
public final class WarehouseLock implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FileSystem fs;
  private final Path file;
  private final String token;

  private WarehouseLock(FileSystem fs, Path file, String token) {
    this.fs = fs;
    this.file = file;
    this.token = token;
  }

  public static Path file(String warehouse) {
    return new Path(new Path(warehouse, "_runs"), "lock");
  }

  /**
   * Takes the lock for {@code command}, or fails naming its owner. With {@code breakStale}, a lock
   * whose owner is dead is removed first (see {@link #breakStale}).
   */
  public static WarehouseLock acquire(String warehouse, String command, boolean breakStale) {
    Path file = file(warehouse);
    FileSystem fs = fs(file);
    if (breakStale) {
      breakStale(fs, file);
    }
    Map<String, Object> me = new LinkedHashMap<>();
    me.put("host", host());
    me.put("pid", ProcessHandle.current().pid());
    me.put("user", System.getProperty("user.name"));
    me.put("command", command);
    me.put("started", Instant.now().toString());
    try {
      String token = JSON.writeValueAsString(me);
      create(fs, file, token);
      return new WarehouseLock(fs, file, token);
    } catch (FileAlreadyExistsException e) {
      throw locked(warehouse, fs, file);
    } catch (IOException e) {
      if (exists(fs, file)) { // some FileSystems report the existing file as a plain IOException
        throw locked(warehouse, fs, file);
      }
      throw new JobFailedException("Cannot create the lock " + file + ": " + e.getMessage(), e);
    }
  }

  private static JobFailedException locked(String warehouse, FileSystem fs, Path file) {
    return new JobFailedException("Warehouse " + warehouse + " is locked by another run: " + describe(fs, file)
        + " (lock file " + file + "). Wait for it to finish; if that process is dead, rerun with --break-lock");
  }

  /**
   * Removes the lock when its owner is certainly dead: a pid on this host that no longer runs. A
   * lock held by a live process, or by another host (whose processes this one cannot see), is
   * refused, naming the owner, so --break-lock cannot break a running nightly.
   */
  private static void breakStale(FileSystem fs, Path file) {
    Map<String, Object> owner = read(fs, file);
    if (owner == null) {
      return;
    }
    Object pid = owner.get("pid");
    boolean sameHost = host().equals(owner.get("host"));
    if (!sameHost) {
      throw new JobFailedException("Will not break the lock " + file + ": it belongs to " + describe(owner)
          + " on another host, whose processes this one cannot check; make sure that run is dead, then delete the file");
    }
    if (pid instanceof Number n && ProcessHandle.of(n.longValue()).map(ProcessHandle::isAlive).orElse(false)) {
      throw new JobFailedException("Will not break the lock " + file + ": its owner is still running ("
          + describe(owner) + ")");
    }
    try {
      fs.delete(file, false);
    } catch (IOException e) {
      throw new JobFailedException("Cannot delete the stale lock " + file + ": " + e.getMessage(), e);
    }
    System.err.println("nightjar: broke the stale lock of " + describe(owner));
  }

  /** Releases the lock if it is still this run's (never someone else's after a --break-lock). */
  @Override
  public void close() {
    try {
      String now = null;
      if (fs.exists(file)) {
        try (InputStream in = fs.open(file)) {
          now = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
      if (token.equals(now)) {
        fs.delete(file, false);
      }
    } catch (IOException e) {
      System.err.println("nightjar: could not release the lock " + file + ": " + e.getMessage());
    }
  }

  /**
   * Creates the file only if it does not exist, in one step: {@code create(overwrite=false)} on
   * HDFS and object stores; on the local file system Hadoop checks then creates (a race), so
   * there it is an O_EXCL create through java.nio.
   */
  private static void create(FileSystem fs, Path file, String content) throws IOException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    if ("file".equals(fs.getScheme())) {
      java.nio.file.Path local = java.nio.file.Path.of(fs.makeQualified(file).toUri());
      java.nio.file.Files.createDirectories(local.getParent());
      try {
        java.nio.file.Files.write(local, bytes, java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        throw new FileAlreadyExistsException(file + " exists");
      }
      return;
    }
    fs.mkdirs(file.getParent());
    try (OutputStream out = fs.create(file, false)) {
      out.write(bytes);
    }
  }

  private static String describe(FileSystem fs, Path file) {
    Map<String, Object> owner = read(fs, file);
    return owner == null ? "owner unknown" : describe(owner);
  }

  private static String describe(Map<String, Object> o) {
    return o.get("command") + " started " + o.get("started") + " by user " + o.get("user") + " on host "
        + o.get("host") + ", pid " + o.get("pid");
  }

  /** The lock's owner, or null when there is no lock; an unreadable lock still names itself. */
  private static Map<String, Object> read(FileSystem fs, Path file) {
    try (InputStream in = fs.open(file)) {
      byte[] bytes = in.readAllBytes();
      try {
        return JSON.readValue(bytes, new TypeReference<Map<String, Object>>() {});
      } catch (IOException e) { // e.g. a lock cut short by a crash while it was written
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", "an unreadable lock (" + new String(bytes, StandardCharsets.UTF_8).strip() + ")");
        return m;
      }
    } catch (java.io.FileNotFoundException e) {
      return null;
    } catch (IOException e) {
      throw new JobFailedException("Cannot read the lock " + file + ": " + e.getMessage(), e);
    }
  }

  private static boolean exists(FileSystem fs, Path file) {
    try {
      return fs.exists(file);
    } catch (IOException e) {
      return false;
    }
  }

  static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      String h = System.getenv("HOSTNAME");
      return h != null ? h : "unknown";
    }
  }

  private static FileSystem fs(Path p) {
    try {
      return FileSystem.get(p.toUri(), new Configuration());
    } catch (IOException e) {
      throw new JobFailedException("Cannot open the file system of " + p + ": " + e.getMessage(), e);
    }
  }
}
