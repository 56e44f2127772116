package dev.marketplace.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A non-Java SOAP client that needs nothing but python3's standard library, so it runs wherever
 * python3 does (CI included; {@link ZeepInteropTest} needs zeep installed). Everything it sends is
 * derived from the served WSDL, not from our Java types: the endpoint address, the SOAPAction,
 * the request element's namespace and its child elements in schema order, and whether children
 * are namespace-qualified ({@code elementFormDefault}). It checks a decision and the
 * InvalidRequest fault with its {@code field} detail.
 */
class PythonStdlibSoapClientTest {
  private static final String SCRIPT = """
      import sys, urllib.request, urllib.error, xml.etree.ElementTree as ET
      W = "{http://schemas.xmlsoap.org/wsdl/}"
      S = "{http://schemas.xmlsoap.org/wsdl/soap/}"
      X = "{http://www.w3.org/2001/XMLSchema}"
      ENV = "http://schemas.xmlsoap.org/soap/envelope/"
      wsdl = ET.fromstring(urllib.request.urlopen(sys.argv[1], timeout=30).read())
      address = wsdl.find(f"{W}service/{W}port/{S}address").get("location")
      ops = [o for o in wsdl.iter(f"{W}operation") if o.find(f"{S}operation") is not None]
      op = next(o for o in ops if o.get("name") == "authorize")
      action = op.find(f"{S}operation").get("soapAction")
      schema = wsdl.find(f"{W}types/{X}schema")
      ns = schema.get("targetNamespace")
      qualified = schema.get("elementFormDefault") == "qualified"
      request = next(e for e in schema.findall(f"{X}element") if e.get("name") == "authorize")
      fields = [e.get("name") for e in request.iter(f"{X}element") if e is not request]
      print("FIELDS", ",".join(fields))

      def call(values):
          child = (lambda n: f"<t:{n}>") if qualified else (lambda n: f"<{n}>")
          close = (lambda n: f"</t:{n}>") if qualified else (lambda n: f"</{n}>")
          body = "".join(child(n) + values[n] + close(n) for n in fields if n in values)
          envelope = (f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{ENV}" '
                      f'xmlns:t="{ns}"><s:Body><t:authorize>{body}</t:authorize></s:Body>'
                      '</s:Envelope>')
          req = urllib.request.Request(address, data=envelope.encode(), headers={
              "Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'})
          try:
              with urllib.request.urlopen(req, timeout=30) as r:
                  return r.status, ET.fromstring(r.read())
          except urllib.error.HTTPError as e:
              return e.code, ET.fromstring(e.read())

      ok = dict(name="Ada", cardNumber="4111111111111111", expiration="12/99",
                securityCode="123", amount="12.34", reference="stdlib-1")
      status, doc = call(ok)
      decision = next(e.text for e in doc.iter() if e.tag.endswith("decision"))
      print("DECISION", status, decision)
      status, doc = call(dict(ok, cardNumber="garbage", reference="stdlib-2"))
      fault = doc.find(f"{{{ENV}}}Body/{{{ENV}}}Fault")
      field = next(e.text for e in fault.iter() if e.tag.endswith("field"))
      print("FAULT", status, field)
      """;

  static boolean pythonAvailable() {
    try {
      Process p = new ProcessBuilder("python3", "-c", "import xml.etree.ElementTree")
          .redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Test
  void stdlibClientDrivenByServedWsdlGetsDecisionAndFault(@TempDir Path dir) throws Exception {
    assumeTrue(pythonAvailable(), "python3 not installed: stdlib SOAP client test skipped");
    PaymentAuthorizer authorizer =
        new PaymentAuthorizer(1.0, new Random(1), Clock.systemUTC(), 100);
    try (PaymentServer server = PaymentServer.start("127.0.0.1", 0, authorizer, 2)) {
      Path script = dir.resolve("call.py");
      Files.writeString(script, SCRIPT);
      Process p = new ProcessBuilder("python3", script.toString(), server.url() + "?wsdl")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("python finished").isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out)
          .contains("FIELDS name,cardNumber,expiration,securityCode,amount,reference")
          .contains("DECISION 200 APPROVED")
          .contains("FAULT 500 cardNumber");
    }
  }
}
