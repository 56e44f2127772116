package dev.marketplace.buyerserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.rest.RestServer;
import dev.marketplace.rest.testing.FakeDbs;
import dev.marketplace.rest.testing.OpenApiRoutes;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The routes registered in Javalin and the paths+methods of buyer-openapi.yaml are the same. */
class BuyerOpenApiTest {
  @Test
  void everyRouteIsDocumentedAndEveryDocumentedRouteExists() {
    try (FakeDbs dbs = FakeDbs.start(1);
        RestServer server = BuyerServer.start("127.0.0.1", 0, 65536, dbs.customers,
            dbs.products, new ScriptedPaymentGateway())) {
      Set<String> registered = new TreeSet<>(server.routes());
      Set<String> documented = OpenApiRoutes.read(BuyerServer.OPENAPI);
      assertThat(registered).hasSize(17);
      assertThat(documented).containsExactlyInAnyOrderElementsOf(registered);
    }
  }
}
