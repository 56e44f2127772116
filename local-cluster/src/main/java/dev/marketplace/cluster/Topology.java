package dev.marketplace.cluster;

import dev.marketplace.config.HostPort;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Which processes make up the system and with which arguments, in start order: the payment
 * service, every customer-db and product-db replica (each with its own database), then the seller
 * and buyer servers. Stateless.
 */
final class Topology {
  private Topology() {}

  static List<ChildSpec> children(ClusterConfig cfg, ClusterDatabases dbs) {
    List<ChildSpec> result = new ArrayList<>();
    result.add(
        new ChildSpec(
            "payment",
            "dev.marketplace.payment.PaymentServerMain",
            List.of("--listen", cfg.paymentListen().toString()),
            URI.create(cfg.paymentUrl() + "?wsdl")));
    String customers = HostPort.format(cfg.customerDbReplicas());
    for (int i = 0; i < cfg.customerDbReplicas().size(); i++) {
      result.add(
          new ChildSpec(
              "customer-db-" + i,
              "dev.marketplace.customerdb.CustomerDbMain",
              dbs.replicaArgs(
                  List.of("--member-id", Integer.toString(i), "--customer-db-replicas", customers),
                  "customer_" + i),
              null));
    }
    String products = HostPort.format(cfg.productDbReplicas());
    for (int i = 0; i < cfg.productDbReplicas().size(); i++) {
      result.add(
          new ChildSpec(
              "product-db-" + i,
              "dev.marketplace.productdb.ProductDbMain",
              dbs.replicaArgs(
                  List.of("--member-id", Integer.toString(i), "--product-db-replicas", products,
                      "--raft-dir", cfg.dataDir().resolve("raft").resolve("product-" + i).toString()),
                  "product_" + i),
              null));
    }
    List<String> dbLists =
        List.of("--customer-db-replicas", customers, "--product-db-replicas", products);
    for (int i = 0; i < cfg.sellerServers().size(); i++) {
      HostPort listen = cfg.sellerServers().get(i);
      List<String> args = new ArrayList<>(List.of("--listen", listen.toString()));
      args.addAll(dbLists);
      result.add(
          new ChildSpec(
              "seller-server-" + i,
              "dev.marketplace.sellerserver.SellerServerMain",
              args,
              URI.create("http://" + listen + "/health")));
    }
    for (int i = 0; i < cfg.buyerServers().size(); i++) {
      HostPort listen = cfg.buyerServers().get(i);
      List<String> args = new ArrayList<>(List.of("--listen", listen.toString()));
      args.addAll(dbLists);
      args.addAll(List.of("--payment-url", cfg.paymentUrl().toString()));
      result.add(
          new ChildSpec(
              "buyer-server-" + i,
              "dev.marketplace.buyerserver.BuyerServerMain",
              args,
              URI.create("http://" + listen + "/health")));
    }
    return result;
  }

  static List<URI> readyUrls(ClusterConfig cfg) {
    return children(cfg, ClusterDatabases.NONE).stream()
        .map(ChildSpec::readyUrl)
        .filter(u -> u != null)
        .toList();
  }
}
