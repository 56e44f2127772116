package dev.marketplace.e2e;

import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives every e2e test class the same running {@link ClusterFixture}
 * (starting one costs tens of seconds). The first class that asks starts it; it lives in the root
 * {@link ExtensionContext.Store}, so JUnit closes it once, after the last test class of the run,
 * and {@link ClusterFixture#close} fails the run if any process is left. Use with
 * {@code @ExtendWith(SharedCluster.class)} and a {@code ClusterFixture} parameter (e.g. of a
 * {@code @BeforeAll} method). Tests sharing it must use their own accounts.
 *
 * <p>The shared cluster: 1 customer-db and 1 product-db replica, 2 seller and 2 buyer servers,
 * payment approving every well-formed, unexpired card (an expired card is how tests get a
 * decline), default session timeout (5 min). Thread-safe as far as JUnit's store is.
 */
public final class SharedCluster implements ParameterResolver {
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(SharedCluster.class);

  /** Returns the run's shared cluster, starting it on first use. */
  static ClusterFixture get(ExtensionContext context) {
    return context.getRoot().getStore(NS).getOrComputeIfAbsent("cluster", k -> {
      try {
        return ClusterFixture.start(1, 1, 2, 2, Map.of("APPROVE_PROBABILITY", "1"));
      } catch (Exception e) {
        throw new IllegalStateException("cannot start the shared e2e cluster", e);
      }
    }, ClusterFixture.class);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == ClusterFixture.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return get(context);
  }
}
