package dev.nightjar.serving;

import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.featurestore.FeatureStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code jobs/serve --warehouse DIR [--port N]}: runs the {@link ServingService} over the
 * warehouse's model registry until the process is stopped (SIGTERM/Ctrl-C stop it cleanly). No
 * Spark session is created.
 */
public final class ServeJob implements Job {
  @Override
  public String name() {
    return "serve";
  }

  @Override
  public String description() {
    return "online serving of the registry's current models over HTTP (jobs/serve; runs until stopped)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.config("port", "serving.port", "N", "port to listen on (0 = any free port)"),
        OptionSpec.config("host", "serving.host", "ADDRESS", "interface to listen on"),
        OptionSpec.config("threads", "serving.threads", "N", "request threads"));
  }

  @Override
  public void validate(JobContext context) {
    ServingService.Options.from(context.config());
  }

  @Override
  public JobResult run(JobContext context) {
    ServingService.Options o = ServingService.Options.from(context.config());
    String root = Settings.string(context.config(), "warehouse.root");
    Path warehouse = FeatureStore.localDir(root);
    Optional<FeatureStore> store = FeatureStore.open(context.config(), root);
    ServingService service;
    try {
      service = ServingService.start(o, warehouse, store);
    } catch (IOException e) {
      store.ifPresent(FeatureStore::close);
      throw new JobFailedException("Cannot start the serving service on " + o.host() + ":" + o.port() + ": " + e, e);
    }
    System.out.println("serving http://" + (o.host().equals("0.0.0.0") ? "127.0.0.1" : o.host()) + ":" + service.port()
        + " (warehouse " + warehouse + "); stop with Ctrl-C");
    System.out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      service.close();
      stopped.countDown();
    }, "serving-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return JobResult.builder(name()).build();
  }
}
