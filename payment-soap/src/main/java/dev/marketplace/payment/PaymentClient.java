package dev.marketplace.payment;

import com.sun.xml.ws.developer.JAXWSProperties;
import dev.marketplace.payment.generated.InvalidRequest;
import dev.marketplace.payment.generated.InvalidRequestFault;
import dev.marketplace.payment.generated.PaymentPortType;
import dev.marketplace.payment.generated.PaymentService;
import jakarta.xml.ws.BindingProvider;
import jakarta.xml.ws.WebServiceException;
import jakarta.xml.ws.soap.SOAPFaultException;
import java.io.Closeable;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Client of the payment service for the buyer-server, built on the classes wsimport generated
 * from the WSDL. The WSDL is read from the bundled resource {@code /wsdl/payment.wsdl} (no
 * network at construction); the endpoint address is set per port with
 * {@link BindingProvider#ENDPOINT_ADDRESS_PROPERTY}.
 *
 * <p>Thread-safe. JAX-WS does not promise that one port proxy may be used by several threads, so
 * each call borrows a port from a pool of idle ports (creating one when none is idle) and gives
 * it back afterwards; a port that saw a transport failure is dropped. The pool grows to the
 * largest number of concurrent calls seen.
 */
public final class PaymentClient implements AutoCloseable {
  private final String serviceUrl;
  private final int timeoutMillis;
  private final PaymentService service;
  private final ConcurrentLinkedDeque<PaymentPortType> idle = new ConcurrentLinkedDeque<>();

  /**
   * @param serviceUrl e.g. {@code http://127.0.0.1:8100/payment}
   * @param timeout bound on connecting and, separately, on waiting for the answer
   */
  public PaymentClient(String serviceUrl, Duration timeout) {
    URI uri = URI.create(serviceUrl);
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
        || uri.getHost() == null) {
      throw new IllegalArgumentException("payment URL must be http(s)://host:port/path: "
          + serviceUrl);
    }
    if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.serviceUrl = serviceUrl;
    this.timeoutMillis = (int) Math.max(1, timeout.toMillis());
    URL wsdl = PaymentClient.class.getResource("/wsdl/payment.wsdl");
    if (wsdl == null) {
      throw new IllegalStateException("bundled /wsdl/payment.wsdl missing from the classpath");
    }
    this.service = new PaymentService(wsdl);
  }

  /** The endpoint URL this client calls. */
  public String serviceUrl() {
    return serviceUrl;
  }

  /**
   * Asks for an authorization of {@code amountCents} (e.g. 1234 is 12.34).
   *
   * @param reference purchase id; the same reference always gets the same decision; may be null
   * @throws InvalidPaymentRequestException the service rejected the input as malformed
   * @throws PaymentUnavailableException the service could not be reached, timed out or failed
   */
  public Decision authorize(String name, String cardNumber, String expiration,
      String securityCode, long amountCents, String reference) {
    PaymentPortType port = borrow();
    boolean healthy = false;
    try {
      dev.marketplace.payment.generated.Decision d = port.authorize(name, cardNumber, expiration,
          securityCode, BigDecimal.valueOf(amountCents, 2), reference);
      healthy = true;
      if (d == null) {
        throw new PaymentUnavailableException(
            "payment service at " + serviceUrl + " answered without a decision", null);
      }
      return Decision.valueOf(d.name());
    } catch (InvalidRequestFault e) {
      healthy = true;
      InvalidRequest info = e.getFaultInfo();
      if (info == null || info.getField() == null) {
        throw new InvalidPaymentRequestException("request", e.getMessage());
      }
      throw new InvalidPaymentRequestException(info.getField(), info.getMessage());
    } catch (SOAPFaultException e) {
      healthy = true;
      throw new PaymentUnavailableException("payment service at " + serviceUrl
          + " answered with a fault: " + e.getMessage(), e);
    } catch (WebServiceException e) {
      throw new PaymentUnavailableException(
          "payment service at " + serviceUrl + " unavailable: " + e.getMessage(), e);
    } finally {
      if (healthy) {
        idle.push(port);
      } else {
        closeQuietly(port);
      }
    }
  }

  private PaymentPortType borrow() {
    PaymentPortType port = idle.poll();
    if (port != null) {
      return port;
    }
    synchronized (service) {
      port = service.getPaymentPort();
    }
    Map<String, Object> ctx = ((BindingProvider) port).getRequestContext();
    ctx.put(BindingProvider.ENDPOINT_ADDRESS_PROPERTY, serviceUrl);
    ctx.put(JAXWSProperties.CONNECT_TIMEOUT, timeoutMillis);
    ctx.put(JAXWSProperties.REQUEST_TIMEOUT, timeoutMillis);
    return port;
  }

  private static void closeQuietly(PaymentPortType port) {
    if (port instanceof Closeable c) {
      try {
        c.close();
      } catch (IOException | RuntimeException ignored) {
        // A port that cannot close holds nothing we can free.
      }
    }
  }

  /** Closes the idle ports. Calls still running finish; their ports are closed by GC. */
  @Override
  public void close() {
    PaymentPortType port;
    while ((port = idle.poll()) != null) {
      closeQuietly(port);
    }
  }
}
