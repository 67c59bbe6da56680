package dev.nightjar.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nightjar.featurestore.FeatureStore;
import java.util.Optional;

/** What an {@link Endpoint} gets of one request, from the serving layer. */
public interface Request {
  /** The parsed JSON body (POST endpoints). */
  JsonNode body();

  /** A decoded query parameter, or null. */
  String query(String name);

  /** Throws (503) once the request's deadline has passed; {@code stage} says where it was. */
  void check(String stage);

  /** The most instances (products, rows) one request may carry ({@code serving.max-instances}). */
  int maxInstances();

  /** The feature store, when one is configured. */
  Optional<FeatureStore> featureStore();

  /**
   * The served version of {@code model} for this request, held until the lease is closed (503 when
   * none is loaded yet).
   */
  <T extends ServedVersion> Lease<T> lease(String model, Class<T> type);

  /** A request's hold on one served version. */
  interface Lease<T> extends AutoCloseable {
    T served();

    long version();

    @Override
    void close();
  }
}
