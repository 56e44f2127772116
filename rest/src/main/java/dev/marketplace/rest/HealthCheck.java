package dev.marketplace.rest;

import dev.marketplace.proto.ReplicaStatus;
import dev.marketplace.proto.StatusRequest;
import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.product.ProductDbGrpc.ProductDbBlockingStub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /health}: asks every replica of both databases for its Status. A database is UP when
 * a majority of its configured replicas answer and at least one of them reports
 * {@code has_quorum}; the server is UP (200) when both are, else 503. Thread-safe.
 */
public final class HealthCheck {
  private final ReplicaSet<CustomerDbBlockingStub> customers;
  private final ReplicaSet<ProductDbBlockingStub> products;
  private final Duration timeout;

  public HealthCheck(ReplicaSet<CustomerDbBlockingStub> customers,
      ReplicaSet<ProductDbBlockingStub> products, Duration timeout) {
    this.customers = customers;
    this.products = products;
    this.timeout = timeout;
  }

  /** The result: whether UP, and the JSON body. */
  public record Result(boolean up, Map<String, Object> body) {}

  /** Probes all replicas now. */
  public Result check() {
    StatusRequest req = StatusRequest.getDefaultInstance();
    Map<String, Object> c = summarize(customers.probe(s -> s.status(req), timeout));
    Map<String, Object> p = summarize(products.probe(s -> s.status(req), timeout));
    boolean up = "UP".equals(c.get("status")) && "UP".equals(p.get("status"));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", up ? "UP" : "DOWN");
    body.put("customerDb", c);
    body.put("productDb", p);
    return new Result(up, body);
  }

  /** Summarises the probes of one database (public for tests). */
  public static Map<String, Object> summarize(List<ReplicaSet.Probe> probes) {
    int reachable = 0;
    boolean quorum = false;
    List<Map<String, Object>> replicas = new ArrayList<>();
    for (ReplicaSet.Probe probe : probes) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("address", probe.address());
      ReplicaStatus st = probe.status();
      if (st == null) {
        r.put("reachable", false);
        r.put("error", probe.error());
      } else {
        reachable++;
        quorum |= st.getHasQuorum();
        r.put("reachable", true);
        r.put("memberId", st.getMemberId());
        r.put("role", st.getRole());
        r.put("term", st.getTerm());
        r.put("leaderId", st.getLeaderId());
        r.put("commitIndex", st.getCommitIndex());
        r.put("appliedIndex", st.getAppliedIndex());
        r.put("hasQuorum", st.getHasQuorum());
      }
      replicas.add(r);
    }
    boolean up = reachable > probes.size() / 2 && quorum;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status", up ? "UP" : "DOWN");
    out.put("reachable", reachable);
    out.put("configured", probes.size());
    out.put("replicas", replicas);
    return out;
  }
}
