package dev.marketplace.cluster;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.HostPort;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * Where every part of the local cluster listens and keeps its files. Built once from options and
 * the environment, checked by {@link #validate()}. Immutable.
 *
 * @param dataDir folder for PostgreSQL data, logs, pid files and {@code endpoints.env}
 * @param customerDbReplicas gRPC addresses of the customer-db replicas (one process each)
 * @param productDbReplicas gRPC addresses of the product-db replicas (one process each)
 * @param sellerServers HTTP addresses of the seller servers
 * @param buyerServers HTTP addresses of the buyer servers
 * @param paymentUrl the payment service's endpoint URL ({@code http://host:port/payment})
 * @param pgUrl JDBC URL of an existing PostgreSQL server to use, or null to run our own
 * @param pgPort port of our own PostgreSQL
 * @param childJavaOptions JVM options for every child process
 */
public record ClusterConfig(
    Path dataDir,
    List<HostPort> customerDbReplicas,
    List<HostPort> productDbReplicas,
    List<HostPort> sellerServers,
    List<HostPort> buyerServers,
    URI paymentUrl,
    String pgUrl,
    int pgPort,
    List<String> childJavaOptions) {

  /**
   * JVM options of every child process by default. 15 JVMs and PostgreSQL share the machine (two
   * cores on the development laptop): with the default tiered JIT the C2 compiler threads of all of
   * them keep the cores busy for minutes after a start and again under load, so the children stop
   * at C1 ({@code -XX:TieredStopAtLevel=1}): compiled code that is somewhat slower per call, but
   * ready within seconds and at a fraction of the compile CPU. Serial GC: no parallel GC threads
   * fighting over the same cores. Measured before/after in the README ("Benchmark").
   */
  public static final String DEFAULT_CHILD_JAVA_OPTS =
      "-XX:+UseSerialGC -Xms64m -Xmx384m -XX:TieredStopAtLevel=1";

  /** Throws {@link ConfigException} naming the variable when a value cannot work. */
  public ClusterConfig validate() {
    if (!"http".equals(paymentUrl.getScheme()) || paymentUrl.getPort() <= 0) {
      throw new ConfigException("PAYMENT_URL: expected http://host:port/payment, got " + paymentUrl);
    }
    if (pgUrl != null && !pgUrl.startsWith("jdbc:postgresql://")) {
      throw new ConfigException("PG_URL: expected jdbc:postgresql://host:port/db, got " + pgUrl);
    }
    if (pgPort <= 0 || pgPort > 65535) {
      throw new ConfigException("PG_PORT: out of range 1-65535: " + pgPort);
    }
    return this;
  }

  /** The payment service's listen address, taken from {@link #paymentUrl()}. */
  public HostPort paymentListen() {
    return new HostPort(paymentUrl.getHost(), paymentUrl.getPort());
  }

  /** The {@code KEY=value} lines of {@code endpoints.env}. */
  public String endpointsEnv(String customerDbJdbcPrefix, String productDbJdbcPrefix) {
    return String.join(
        "\n",
        "SELLER_SERVERS=" + HostPort.format(sellerServers),
        "BUYER_SERVERS=" + HostPort.format(buyerServers),
        "PAYMENT_URL=" + paymentUrl,
        "CUSTOMER_DB_REPLICAS=" + HostPort.format(customerDbReplicas),
        "PRODUCT_DB_REPLICAS=" + HostPort.format(productDbReplicas),
        "CUSTOMER_DB_JDBC_PREFIX=" + customerDbJdbcPrefix,
        "PRODUCT_DB_JDBC_PREFIX=" + productDbJdbcPrefix,
        "");
  }
}
