package dev.marketplace.rest.testing;

import dev.marketplace.proto.customer.CustomerDbGrpc;
import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.product.ProductDbGrpc;
import dev.marketplace.proto.product.ProductDbGrpc.ProductDbBlockingStub;
import dev.marketplace.rest.DbSettings;
import dev.marketplace.rest.ReplicaSet;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts {@code n} in-process fake replicas of each database (sharing one state per database) and
 * the {@link ReplicaSet} clients the REST servers use. Test scope only. Close it after the test.
 */
public final class FakeDbs implements AutoCloseable {
  /** Short budgets so "all replicas down" answers 503 quickly in tests. */
  public static final DbSettings TEST_SETTINGS = new DbSettings(Duration.ofSeconds(2),
      Duration.ofMillis(300));

  public final List<FakeCustomerDb> customerReplicas = new ArrayList<>();
  public final List<FakeProductDb> productReplicas = new ArrayList<>();
  public final ReplicaSet<CustomerDbBlockingStub> customers;
  public final ReplicaSet<ProductDbBlockingStub> products;
  private final List<Server> servers = new ArrayList<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final ServerInterceptor counter = new ServerInterceptor() {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
        ServerCallHandler<Q, A> next) {
      calls.computeIfAbsent(call.getMethodDescriptor().getBareMethodName(),
          k -> new AtomicInteger()).incrementAndGet();
      return next.startCall(call, headers);
    }
  };

  private FakeDbs(int n) {
    FakeCustomerDb.State cs = new FakeCustomerDb.State();
    FakeProductDb.State ps = new FakeProductDb.State();
    List<String> cNames = new ArrayList<>();
    List<ManagedChannel> cChannels = new ArrayList<>();
    List<String> pNames = new ArrayList<>();
    List<ManagedChannel> pChannels = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      FakeCustomerDb c = new FakeCustomerDb(cs);
      customerReplicas.add(c);
      String cn = start(c);
      cNames.add(cn);
      cChannels.add(InProcessChannelBuilder.forName(cn).directExecutor().build());
      FakeProductDb p = new FakeProductDb(ps);
      productReplicas.add(p);
      String pn = start(p);
      pNames.add(pn);
      pChannels.add(InProcessChannelBuilder.forName(pn).directExecutor().build());
    }
    customers = new ReplicaSet<>("customer-db", cNames, cChannels,
        CustomerDbGrpc::newBlockingStub, TEST_SETTINGS);
    products = new ReplicaSet<>("product-db", pNames, pChannels,
        ProductDbGrpc::newBlockingStub, TEST_SETTINGS);
  }

  /** Starts {@code n} replicas of each fake database. */
  public static FakeDbs start(int n) {
    return new FakeDbs(n);
  }

  private String start(io.grpc.BindableService service) {
    String name = InProcessServerBuilder.generateName();
    try {
      servers.add(InProcessServerBuilder.forName(name).directExecutor()
          .addService(ServerInterceptors.intercept(service, counter)).build().start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return name;
  }

  /**
   * How many calls of the rpc {@code bareMethodName} (e.g. {@code "ListPurchases"}) all replicas
   * of both fake databases received so far.
   */
  public int calls(String bareMethodName) {
    return calls.getOrDefault(bareMethodName, new AtomicInteger()).get();
  }

  /** Takes every replica of both databases down (or up). */
  public void setAllDown(boolean down) {
    customerReplicas.forEach(r -> r.setDown(down));
    productReplicas.forEach(r -> r.setDown(down));
  }

  @Override
  public void close() {
    customers.close();
    products.close();
    servers.forEach(Server::shutdownNow);
  }
}
