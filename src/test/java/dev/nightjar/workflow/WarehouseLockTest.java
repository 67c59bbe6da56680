package dev.nightjar.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.testing.Jobs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One run per warehouse: the lock names its owner, is released, and only a dead owner's can be broken. */
class WarehouseLockTest {
  @TempDir Path tmp;

  private Path lockFile() {
    return tmp.resolve("wh/_runs/lock");
  }

  @Test
  void aSecondRunIsRefusedNamingTheOwnerAndTheLockIsReleased() throws IOException {
    String wh = tmp.resolve("wh").toString();
    try (WarehouseLock first = WarehouseLock.acquire(wh, "jobs/nightly --date 2026-11-20", false)) {
      String owner = Files.readString(lockFile());
      assertTrue(owner.contains("\"pid\":" + ProcessHandle.current().pid()), owner);
      JobFailedException e = assertThrows(JobFailedException.class,
          () -> WarehouseLock.acquire(wh, "jobs/nightly --date 2026-11-21", false));
      assertTrue(e.getMessage().matches("Warehouse " + java.util.regex.Pattern.quote(wh)
          + " is locked by another run: jobs/nightly --date 2026-11-20 started 20\\d\\d-\\d\\d-\\d\\dT[0-9:.]+Z by user "
          + java.util.regex.Pattern.quote(System.getProperty("user.name")) + " on host "
          + java.util.regex.Pattern.quote(WarehouseLock.host()) + ", pid " + ProcessHandle.current().pid()
          + " \\(lock file .*_runs/lock\\)\\. Wait for it to finish; if that process is dead, rerun with --break-lock"),
          e.getMessage());
      // --break-lock never breaks a live owner's lock.
      e = assertThrows(JobFailedException.class, () -> WarehouseLock.acquire(wh, "x", true));
      assertTrue(e.getMessage().startsWith("Will not break the lock "), e.getMessage());
      assertTrue(e.getMessage().contains("its owner is still running (jobs/nightly --date 2026-11-20 started"),
          e.getMessage());
    }
    assertFalse(Files.exists(lockFile()), "released on close");
    WarehouseLock.acquire(wh, "again", false).close();
  }

  @Test
  void aDeadOwnersLockBlocksUntilBrokenExplicitly() throws Exception {
    String wh = tmp.resolve("wh").toString();
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    long deadPid = p.pid();
    Files.createDirectories(lockFile().getParent());
    Files.writeString(lockFile(), "{\"host\":\"" + WarehouseLock.host() + "\",\"pid\":" + deadPid
        + ",\"user\":\"someone\",\"command\":\"jobs/nightly --date 2026-11-19\",\"started\":\"2026-11-20T02:00:00Z\"}");

    // Through the command line: refused before any action runs, naming the owner.
    Jobs.Outcome o = Jobs.main("nightly", "--warehouse", wh, "--date", "2026-11-20", "--in-process", "--sample",
        "--workflow", "src/test/resources/dev/nightjar/workflow/tiny-workflow.xml",
        "--properties", "src/test/resources/dev/nightjar/workflow/tiny.properties");
    assertEquals(ExitCodes.FAILED, o.status(), o.err());
    assertTrue(o.err().startsWith("nightjar: job failed: Warehouse " + wh + " is locked by another run: "
        + "jobs/nightly --date 2026-11-19 started 2026-11-20T02:00:00Z by user someone on host " + WarehouseLock.host()
        + ", pid " + deadPid), o.err());
    assertFalse(Files.exists(tmp.resolve("wh/products")), "nothing ran");

    try (WarehouseLock l = WarehouseLock.acquire(wh, "jobs/nightly --date 2026-11-20", true)) {
      assertTrue(Files.readString(lockFile()).contains("\"pid\":" + ProcessHandle.current().pid()));
    }
  }

  @Test
  void anotherHostsLockIsNeverBrokenFromHere() throws IOException {
    String wh = tmp.resolve("wh").toString();
    Files.createDirectories(lockFile().getParent());
    Files.writeString(lockFile(), "{\"host\":\"edge-9\",\"pid\":1,\"user\":\"u\",\"command\":\"c\",\"started\":\"s\"}");
    JobFailedException e = assertThrows(JobFailedException.class, () -> WarehouseLock.acquire(wh, "x", true));
    assertTrue(e.getMessage().matches("Will not break the lock \\S*_runs/lock: it belongs to c started s by user u on host edge-9, "
        + "pid 1 on another host, whose processes this one cannot check; make sure that run is dead, then delete the file"),
        e.getMessage());
  }
}
