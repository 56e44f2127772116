package dev.marketplace.sellerserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.rest.RestServer;
import dev.marketplace.rest.testing.FakeDbs;
import dev.marketplace.rest.testing.HttpTestClient;
import dev.marketplace.rest.testing.OpenApiRoutes;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The routes registered in Javalin and the paths+methods of seller-openapi.yaml are the same. */
class SellerOpenApiTest {
  @Test
  void everyRouteIsDocumentedAndEveryDocumentedRouteExists() {
    try (FakeDbs dbs = FakeDbs.start(1);
        RestServer server = SellerServer.start("127.0.0.1", 0, 65536, dbs.customers,
            dbs.products)) {
      Set<String> registered = new TreeSet<>(server.routes());
      Set<String> documented = OpenApiRoutes.read(SellerServer.OPENAPI);
      assertThat(registered).hasSize(12);
      assertThat(documented).as("documented but not registered")
          .containsExactlyInAnyOrderElementsOf(registered);
      assertThat(new HttpTestClient(server.port()).send("GET", "/openapi.yaml", null).body())
          .contains("title: Marketplace seller API");
    }
  }
}
