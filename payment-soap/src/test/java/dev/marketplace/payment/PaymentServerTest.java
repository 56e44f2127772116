package dev.marketplace.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The service over real HTTP on a free port, called by the generated client and by hand. */
class PaymentServerTest {
  static final String WSDL_NS = "http://schemas.xmlsoap.org/wsdl/";
  static final String SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/";
  static final String CARD = "4111111111111111";
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  PaymentServer server(double p, long seed) {
    PaymentAuthorizer authorizer =
        new PaymentAuthorizer(p, new Random(seed), Clock.systemUTC(), 100_000);
    PaymentServer server = PaymentServer.start("127.0.0.1", 0, authorizer, 4);
    toClose.add(server);
    return server;
  }

  PaymentClient client(PaymentServer server) {
    PaymentClient client = new PaymentClient(server.url(), TIMEOUT);
    toClose.add(client);
    return client;
  }

  static Decision call(PaymentClient c, long cents, String reference) {
    return c.authorize("Ada Lovelace", CARD, "12/99", "123", cents, reference);
  }

  static List<Decision> calls(PaymentClient c, int n) {
    List<Decision> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(call(c, 1234, null));
    }
    return out;
  }

  static Document parseXml(String text) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder()
        .parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  static HttpResponse<String> get(String url) throws Exception {
    return HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String url, String body) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", "\"http://marketplace.dev/payment/authorize\"")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
  }

  static String envelope(String amount, String card, String extra) {
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
                          xmlns:pay="http://marketplace.dev/payment">
          <soapenv:Header/>
          <soapenv:Body>
            <pay:authorize>
              <pay:name>Ada Lovelace</pay:name>
              <pay:cardNumber>%s</pay:cardNumber>
              <pay:expiration>12/99</pay:expiration>
              <pay:securityCode>123</pay:securityCode>
              <pay:amount>%s</pay:amount>%s
            </pay:authorize>
          </soapenv:Body>
        </soapenv:Envelope>
        """.formatted(card, amount, extra);
  }

  static String text(Document doc, String ns, String local) {
    NodeList nodes = doc.getElementsByTagNameNS(ns, local);
    return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent();
  }

  @Test
  void servesTheHandWrittenWsdlWithTheRealAddress() throws Exception {
    PaymentServer server = server(0.9, 1);
    HttpResponse<String> res = get(server.url() + "?wsdl");
    assertThat(res.statusCode()).isEqualTo(200);
    Document wsdl = parseXml(res.body());
    Element service = (Element) wsdl.getElementsByTagNameNS(WSDL_NS, "service").item(0);
    assertThat(service.getAttribute("name")).isEqualTo("PaymentService");
    NodeList ops = wsdl.getElementsByTagNameNS(WSDL_NS, "operation");
    assertThat(ops.getLength()).isGreaterThan(0);
    assertThat(((Element) ops.item(0)).getAttribute("name")).isEqualTo("authorize");
    Element address = (Element) wsdl
        .getElementsByTagNameNS("http://schemas.xmlsoap.org/wsdl/soap/", "address").item(0);
    assertThat(address.getAttribute("location")).isEqualTo(server.url());
    // Our contract, not one Metro generated from the Java class: it has the Amount type.
    assertThat(res.body()).contains("name=\"Amount\"").contains("fractionDigits");
  }

  @Test
  void sameSeedGivesTheSameDecisionSequenceOverTheWire() {
    long seed = 2026;
    List<Decision> first = calls(client(server(0.5, seed)), 100);
    List<Decision> second = calls(client(server(0.5, seed)), 100);
    assertThat(second).as("seed %d", seed).isEqualTo(first);
    assertThat(first).contains(Decision.APPROVED, Decision.DECLINED);
  }

  @Test
  void probabilityZeroDeclinesAndOneApproves() {
    assertThat(calls(client(server(0.0, 5)), 50)).containsOnly(Decision.DECLINED);
    assertThat(calls(client(server(1.0, 5)), 50)).containsOnly(Decision.APPROVED);
  }

  @Test
  void aboutNinetyPercentApprovedOver2000CallsWithAFixedSeed() {
    long seed = 90;
    long approved = calls(client(server(0.9, seed)), 2000).stream()
        .filter(d -> d == Decision.APPROVED).count();
    // Independent computation of the documented rule: draw nextDouble() < p per call.
    Random draws = new Random(seed);
    long expected = 0;
    for (int i = 0; i < 2000; i++) {
      expected += draws.nextDouble() < 0.9 ? 1 : 0;
    }
    assertThat(approved).as("seed %d", seed).isEqualTo(expected);
    // 0.9 * 2000 = 1800, sigma ~ 13.4: a broken rule would land far outside 4 sigma.
    assertThat(approved).isBetween(1746L, 1854L);
  }

  @Test
  void sameReferenceNeverFlipsOverTheWire() {
    PaymentClient c = client(server(0.5, 77));
    for (int i = 0; i < 40; i++) {
      String ref = "purchase-" + i;
      Decision first = call(c, 999, ref);
      for (int retry = 0; retry < 3; retry++) {
        assertThat(call(c, 999, ref)).as("retry %d of %s", retry, ref).isEqualTo(first);
      }
    }
  }

  @Test
  void malformedInputIsAnInvalidRequestFaultAndTheServerKeepsServing() {
    PaymentClient c = client(server(1.0, 1));
    assertThatThrownBy(() -> c.authorize("Ada", "4111-abc", "12/99", "123", 100, null))
        .isInstanceOf(InvalidPaymentRequestException.class)
        .satisfies(e -> assertThat(((InvalidPaymentRequestException) e).field())
            .isEqualTo("cardNumber"))
        .hasMessageContaining("digits");
    assertThatThrownBy(() -> c.authorize("Ada", "", "12/99", "123", 100, null))
        .isInstanceOf(InvalidPaymentRequestException.class).hasMessageStartingWith("cardNumber");
    assertThatThrownBy(() -> c.authorize("Ada", CARD, "99/99", "123", 100, null))
        .isInstanceOf(InvalidPaymentRequestException.class).hasMessageStartingWith("expiration");
    assertThatThrownBy(() -> c.authorize("Ada", CARD, "12/99", "1", 100, null))
        .isInstanceOf(InvalidPaymentRequestException.class)
        .hasMessageStartingWith("securityCode");
    assertThatThrownBy(() -> c.authorize("Ada", CARD, "12/99", "123", 0, null))
        .isInstanceOf(InvalidPaymentRequestException.class).hasMessageStartingWith("amount");
    assertThatThrownBy(() -> c.authorize("Ada", CARD, "12/99", "123", -5, null))
        .isInstanceOf(InvalidPaymentRequestException.class).hasMessageStartingWith("amount");
    assertThatThrownBy(() -> c.authorize(null, CARD, "12/99", "123", 100, null))
        .isInstanceOf(InvalidPaymentRequestException.class).hasMessageStartingWith("name");
    assertThat(call(c, 100, null)).isEqualTo(Decision.APPROVED);
  }

  @Test
  void expiredCardIsDeclinedNotAFault() {
    PaymentClient c = client(server(1.0, 1));
    assertThat(c.authorize("Ada", CARD, "01/20", "123", 100, null)).isEqualTo(Decision.DECLINED);
  }

  @Test
  void handWrittenSoap11EnvelopeGetsAValidResponse() throws Exception {
    PaymentServer server = server(1.0, 1);
    HttpResponse<String> res = post(server.url(),
        envelope("12.34", CARD, "\n      <pay:reference>order-1</pay:reference>"));
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.headers().firstValue("Content-Type").orElse("")).startsWith("text/xml");
    Document doc = parseXml(res.body());
    assertThat(doc.getDocumentElement().getNamespaceURI()).isEqualTo(SOAP11_ENV);
    assertThat(text(doc, "http://marketplace.dev/payment", "decision")).isEqualTo("APPROVED");
    // Optional reference may be left out entirely.
    HttpResponse<String> noRef = post(server.url(), envelope("1", CARD, ""));
    assertThat(text(parseXml(noRef.body()), "http://marketplace.dev/payment", "decision"))
        .isEqualTo("APPROVED");
  }

  @Test
  void rawMalformedAndGarbageRequestsGetSoapFaults() throws Exception {
    PaymentServer server = server(1.0, 1);
    HttpResponse<String> bad = post(server.url(), envelope("12.345", CARD, ""));
    assertThat(bad.statusCode()).isEqualTo(500);
    Document doc = parseXml(bad.body());
    assertThat(text(doc, "", "faultcode")).endsWith("Server");
    assertThat(text(doc, "http://marketplace.dev/payment", "field")).isEqualTo("amount");
    HttpResponse<String> notNumber = post(server.url(), envelope("lots", CARD, ""));
    assertThat(notNumber.statusCode()).isEqualTo(500);
    assertThat(notNumber.body()).contains("Fault");
    HttpResponse<String> garbage = post(server.url(), "this is not <xml");
    assertThat(garbage.statusCode()).isBetween(400, 599);
    assertThat(garbage.body()).contains("Fault");
    // Still serving.
    assertThat(post(server.url(), envelope("1.00", CARD, "")).statusCode()).isEqualTo(200);
  }

  @Test
  void stoppedServerMeansPaymentUnavailable() {
    PaymentServer server = server(1.0, 1);
    PaymentClient c = new PaymentClient(server.url(), Duration.ofSeconds(2));
    toClose.add(c);
    assertThat(call(c, 100, null)).isEqualTo(Decision.APPROVED);
    server.close();
    // A guard against hanging, not a speed assertion: refusal is immediate, the bound generous.
    assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
        assertThatThrownBy(() -> call(c, 100, "after-stop"))
            .isInstanceOf(PaymentUnavailableException.class));
  }

  @Test
  void silentServerTimesOutAsPaymentUnavailable() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String url = "http://127.0.0.1:" + silent.getLocalPort() + "/payment";
      PaymentClient c = new PaymentClient(url, Duration.ofMillis(300));
      toClose.add(c);
      assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
          assertThatThrownBy(() -> call(c, 100, null))
              .isInstanceOf(PaymentUnavailableException.class));
    }
  }

  @Test
  void oneClientServesManyThreads() throws Exception {
    PaymentClient c = client(server(1.0, 3));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Decision>> futures = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        long cents = 100 + i;
        futures.add(pool.submit(() -> call(c, cents, "t-" + cents)));
      }
      for (Future<Decision> f : futures) {
        assertThat(f.get()).isEqualTo(Decision.APPROVED);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
