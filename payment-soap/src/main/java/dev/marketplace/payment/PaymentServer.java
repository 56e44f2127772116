package dev.marketplace.payment;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import jakarta.xml.ws.Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The running payment service: a JDK {@code com.sun.net.httpserver.HttpServer} with the JAX-WS
 * (Metro) {@link PaymentEndpoint} published at {@code /payment}, so the WSDL is at
 * {@code /payment?wsdl}. Bind port 0 to get a free port ({@link #port()} tells which).
 * Thread-safe; {@link #close()} is idempotent.
 */
public final class PaymentServer implements AutoCloseable {
  /** The HTTP path of the endpoint. */
  public static final String PATH = "/payment";

  private static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

  private final HttpServer http;
  private final Endpoint endpoint;
  private final ExecutorService executor;
  private final AtomicInteger closed = new AtomicInteger();

  private PaymentServer(HttpServer http, Endpoint endpoint, ExecutorService executor) {
    this.http = http;
    this.endpoint = endpoint;
    this.executor = executor;
  }

  /**
   * Binds {@code host:port}, publishes the endpoint and starts serving with {@code threads}
   * worker threads.
   */
  public static PaymentServer start(
      String host, int port, PaymentAuthorizer authorizer, int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1: " + threads);
    }
    // The JDK server writes a response's headers and body separately; without TCP_NODELAY
    // Nagle holds the body until the client's delayed ACK (~40 ms per call on Linux). The
    // property is read once, when the JDK server classes load, so set it before the first use.
    if (System.getProperty(NODELAY_PROPERTY) == null) {
      System.setProperty(NODELAY_PROPERTY, "true");
    }
    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(host, port), 128);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host + ":" + port, e);
    }
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, "payment-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    ExecutorService executor = Executors.newFixedThreadPool(threads, factory);
    http.setExecutor(executor);
    Endpoint endpoint = Endpoint.create(new PaymentEndpoint(authorizer));
    try {
      HttpContext context = http.createContext(PATH);
      endpoint.publish(context);
      http.start();
    } catch (RuntimeException e) {
      http.stop(0);
      executor.shutdownNow();
      throw e;
    }
    return new PaymentServer(http, endpoint, executor);
  }

  /** The port actually bound. */
  public int port() {
    return http.getAddress().getPort();
  }

  /** The endpoint URL, e.g. {@code http://127.0.0.1:8100/payment}. */
  public String url() {
    String host = http.getAddress().getHostString();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port() + PATH;
  }

  /** Stops accepting, stops the endpoint and the worker threads. */
  @Override
  public void close() {
    if (closed.getAndIncrement() != 0) {
      return;
    }
    endpoint.stop();
    http.stop(0);
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
