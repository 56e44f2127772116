package dev.marketplace.rest;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.HostPort;
import dev.marketplace.proto.customer.CustomerDbGrpc;
import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.product.ProductDbGrpc;
import dev.marketplace.proto.product.ProductDbGrpc.ProductDbBlockingStub;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The command-line options both REST servers share (a picocli mixin; every option also reads the
 * environment variable of the same name through {@code EnvDefaults}, e.g.
 * {@code CUSTOMER_DB_REPLICAS}). {@link #validate()} turns them into checked values or a
 * {@link ConfigException} naming the option and its variable. Mutable until parsed; not
 * thread-safe.
 */
public final class ServerOptions {
  @Option(names = "--customer-db-replicas", paramLabel = "HOST:PORT,...",
      description = "customer-db replicas (env CUSTOMER_DB_REPLICAS)")
  String customerDbReplicas;

  @Option(names = "--product-db-replicas", paramLabel = "HOST:PORT,...",
      description = "product-db replicas (env PRODUCT_DB_REPLICAS)")
  String productDbReplicas;

  @Option(names = "--db-call-timeout-ms", defaultValue = "5000",
      description = "deadline of one database call (env DB_CALL_TIMEOUT_MS; default 5000)")
  String dbCallTimeoutMs;

  @Option(names = "--db-retry-budget-ms", defaultValue = "8000",
      description = "how long to retry other replicas before 503 (env DB_RETRY_BUDGET_MS;"
          + " default 8000)")
  String dbRetryBudgetMs;

  @Option(names = "--max-body-bytes", defaultValue = "65536",
      description = "largest accepted request body (env MAX_BODY_BYTES; default 65536)")
  String maxBodyBytes;

  /** Checked values. Immutable. */
  public record Values(List<HostPort> customerDb, List<HostPort> productDb, DbSettings db,
      long maxBodyBytes) {
    /** Connects to the customer database replicas. */
    public ReplicaSet<CustomerDbBlockingStub> connectCustomers() {
      return ReplicaSet.connect("customer-db", customerDb, CustomerDbGrpc::newBlockingStub, db);
    }

    /** Connects to the product database replicas. */
    public ReplicaSet<ProductDbBlockingStub> connectProducts() {
      return ReplicaSet.connect("product-db", productDb, ProductDbGrpc::newBlockingStub, db);
    }
  }

  /** Validates every option. */
  public Values validate() {
    List<HostPort> c = HostPort.parseList("--customer-db-replicas / CUSTOMER_DB_REPLICAS",
        customerDbReplicas);
    List<HostPort> p = HostPort.parseList("--product-db-replicas / PRODUCT_DB_REPLICAS",
        productDbReplicas);
    long timeout = positive("--db-call-timeout-ms / DB_CALL_TIMEOUT_MS", dbCallTimeoutMs, 1);
    long budget = positive("--db-retry-budget-ms / DB_RETRY_BUDGET_MS", dbRetryBudgetMs, 0);
    long body = positive("--max-body-bytes / MAX_BODY_BYTES", maxBodyBytes, 1024);
    return new Values(c, p, new DbSettings(Duration.ofMillis(timeout), Duration.ofMillis(budget)),
        body);
  }

  /** Parses a whole number {@code >= min}, naming {@code what} on error. */
  public static long positive(String what, String text, long min) {
    try {
      long v = Long.parseLong(text == null ? "" : text.strip());
      if (v < min) {
        throw new ConfigException(what + ": must be at least " + min + ", got " + text);
      }
      return v;
    } catch (NumberFormatException e) {
      throw new ConfigException(what + ": expected a whole number, got '" + text + "'");
    }
  }
}
