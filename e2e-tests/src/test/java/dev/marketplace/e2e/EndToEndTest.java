package dev.marketplace.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole system over real processes: CLIs → REST servers → gRPC database replicas →
 * PostgreSQL, plus the SOAP payment service, on the run's {@link SharedCluster}; each test uses
 * its own accounts.
 */
@ExtendWith(SharedCluster.class)
class EndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static ClusterFixture cluster;
  private static Cli cli;
  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void useSharedCluster(ClusterFixture shared) throws Exception {
    cluster = shared;
    cli = new Cli(cluster, Files.createDirectories(cluster.dataDir.resolve("sessions")));
  }

  private static JsonNode json(Cli.Result r) throws Exception {
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return JSON.readTree(r.out());
  }

  @Test
  void sellerAndBuyerStoryThroughTheRealClis() throws Exception {
    assertThat(cli.seller("sam", "create-account", "--username", "sam", "--password", "secret1", "--name", "Sam Seller").exitCode()).isZero();
    assertThat(cli.seller("sam", "create-account", "--username", "sam", "--password", "secret1", "--name", "Sam").exitCode())
        .as("username taken").isEqualTo(6);
    assertThat(cli.seller("sam", "login", "--username", "sam", "--password", "wrong-pw").exitCode()).isEqualTo(4);
    JsonNode session = json(cli.seller("sam", "login", "--username", "sam", "--password", "secret1", "--json"));
    long sellerId = session.get("sellerId").asLong();

    JsonNode blue = json(cli.seller("sam", "list-item", "--name", "Blue mug", "--category", "3", "--keywords", "mug,blue",
        "--condition", "NEW", "--price", "12.50", "--quantity", "5", "--json"));
    JsonNode red = json(cli.seller("sam", "list-item", "--name", "Red mug", "--category", "3", "--keywords", "mug,red",
        "--condition", "USED", "--price", "7.00", "--quantity", "2", "--json"));
    String blueId = blue.get("id").asText();
    String redId = red.get("id").asText();
    assertThat(blueId).startsWith("3-");
    assertThat(json(cli.seller("sam", "my-items", "--json"))).hasSize(2);
    assertThat(json(cli.seller("sam", "set-price", blueId, "11.00", "--json")).get("price").asText()).isEqualTo("11.00");
    assertThat(json(cli.seller("sam", "set-quantity", redId, "3", "--json")).get("quantity").asInt()).isEqualTo(3);
    assertThat(json(cli.seller("sam", "remove-units", redId, "1", "--json")).get("quantity").asInt()).isEqualTo(2);

    assertThat(cli.buyer("bo", "create-account", "--username", "bo", "--password", "secret2", "--name", "Bo Buyer").exitCode()).isZero();
    assertThat(cli.buyer("bo", "login", "--username", "bo", "--password", "secret2").exitCode()).isZero();
    JsonNode found = json(cli.buyer("bo", "search", "--category", "3", "--keywords", "blue,mug", "--json"));
    assertThat(found.get(0).get("id").asText()).as("two matching keywords rank first").isEqualTo(blueId);
    assertThat(found.get(1).get("id").asText()).isEqualTo(redId);
    assertThat(json(cli.buyer("bo", "item", blueId, "--json")).get("name").asText()).isEqualTo("Blue mug");

    assertThat(cli.buyer("bo", "cart-add", blueId, "2").exitCode()).isZero();
    assertThat(cli.buyer("bo", "cart-add", redId, "5").exitCode()).as("more than in stock").isEqualTo(6);
    assertThat(cli.buyer("bo", "cart-add", redId, "1").exitCode()).isZero();
    assertThat(json(cli.buyer("bo", "cart", "--json")).get("total").asText()).isEqualTo("29.00");
    assertThat(cli.buyer("bo", "cart-remove", redId, "1").exitCode()).isZero();
    assertThat(cli.buyer("bo", "cart-save").exitCode()).isZero();
    assertThat(cli.buyer("bo", "logout").exitCode()).isZero();
    assertThat(cli.buyer("bo", "cart").exitCode()).as("logged out").isEqualTo(4);
    assertThat(cli.buyer("bo", "login", "--username", "bo", "--password", "secret2").exitCode()).isZero();
    JsonNode cart = json(cli.buyer("bo", "cart", "--json"));
    assertThat(cart.get("items")).hasSize(1);
    assertThat(cart.get("total").asText()).as("saved cart survives logout").isEqualTo("22.00");

    Cli.Result declined = cli.buyer("bo", "purchase", "--name", "Bo Buyer", "--card", "4111111111111111",
        "--expiration", "01/20", "--security-code", "123");
    assertThat(declined.exitCode()).as(declined.toString()).isEqualTo(7);
    assertThat(json(cli.buyer("bo", "cart", "--json")).get("total").asText()).as("decline keeps the cart").isEqualTo("22.00");
    assertThat(json(cli.buyer("bo", "item", blueId, "--json")).get("quantity").asInt()).as("decline keeps stock").isEqualTo(5);

    JsonNode purchase = json(cli.buyer("bo", "purchase", "--name", "Bo Buyer", "--card", "4111111111111111",
        "--expiration", "12/35", "--security-code", "123", "--json"));
    assertThat(purchase.get("total").asText()).isEqualTo("22.00");
    assertThat(json(cli.buyer("bo", "cart", "--json")).get("items")).isEmpty();
    assertThat(json(cli.buyer("bo", "purchases", "--json"))).hasSize(1);
    assertThat(json(cli.buyer("bo", "item", blueId, "--json")).get("quantity").asInt()).isEqualTo(3);

    assertThat(cli.buyer("bo", "feedback", redId, "up").exitCode()).as("never bought").isNotZero();
    assertThat(cli.buyer("bo", "feedback", blueId, "up").exitCode()).isZero();
    assertThat(cli.buyer("bo", "feedback", blueId, "down").exitCode()).as("one vote per item").isEqualTo(6);
    JsonNode rating = json(cli.buyer("bo", "seller-rating", Long.toString(sellerId), "--json"));
    assertThat(rating.get("thumbsUp").asLong()).isEqualTo(1);
    assertThat(json(cli.seller("sam", "rating", "--json")).get("thumbsUp").asLong()).isEqualTo(1);
    assertThat(json(cli.buyer("bo", "item", blueId, "--json")).get("thumbsUp").asLong()).isEqualTo(1);
  }

  @Test
  void killingAServerMidSessionIsInvisibleToTheClient() throws Exception {
    assertThat(cli.seller("kim", "create-account", "--username", "kim", "--password", "secret3", "--name", "Kim").exitCode()).isZero();
    assertThat(cli.seller("kim", "login", "--username", "kim", "--password", "secret3").exitCode()).isZero();
    ProcessHandle victim = cluster.child("seller-server-0");
    victim.destroyForcibly();
    victim.onExit().get();
    for (int i = 0; i < 6; i++) { // random first server: with 6 tries some surely hit the dead one
      Cli.Result r = cli.seller("kim", "list-item", "--name", "Lamp " + i, "--category", "1", "--condition", "USED",
          "--price", "3.00", "--quantity", "1");
      assertThat(r.exitCode()).as(r.toString()).isZero();
    }
    assertThat(json(cli.seller("kim", "my-items", "--json"))).as("each write applied exactly once").hasSize(6);
    // The supervisor restarts the killed server.
    await().atMost(Duration.ofSeconds(120)).until(() -> healthy(cluster.sellers.get(0).toString()));
  }

  @Test
  void fiftyBuyersRacingForTenUnitsNeverOversell() throws Exception {
    assertThat(cli.seller("ola", "create-account", "--username", "ola", "--password", "secret4", "--name", "Ola").exitCode()).isZero();
    assertThat(cli.seller("ola", "login", "--username", "ola", "--password", "secret4").exitCode()).isZero();
    String itemId = json(cli.seller("ola", "list-item", "--name", "Last tickets", "--category", "9", "--condition", "NEW",
        "--price", "5.00", "--quantity", "10", "--json")).get("id").asText();
    String buyerBase = "http://" + cluster.buyers.get(0);
    int n = 50;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<String>> tokens = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String user = "racer" + i;
        tokens.add(pool.submit(() -> {
          assertThat(post(buyerBase, "/buyers", null, Map.of("username", user, "password", "secret5", "name", user)).statusCode()).isEqualTo(201);
          String token = JSON.readTree(post(buyerBase, "/sessions", null, Map.of("username", user, "password", "secret5")).body())
              .get("token").asText();
          assertThat(post(buyerBase, "/cart/items", token, Map.of("itemId", itemId, "quantity", 1)).statusCode()).isEqualTo(200);
          return token;
        }));
      }
      CountDownLatch go = new CountDownLatch(1);
      List<Future<HttpResponse<String>>> purchases = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String token = tokens.get(i).get();
        String base = "http://" + cluster.buyers.get(i % cluster.buyers.size());
        Callable<HttpResponse<String>> buy = () -> {
          go.await();
          return post(base, "/purchases", token,
              Map.of("name", "Racer", "cardNumber", "4111111111111111", "expiration", "12/35", "securityCode", "123"));
        };
        purchases.add(pool.submit(buy));
      }
      go.countDown();
      int sold = 0;
      int conflicts = 0;
      for (Future<HttpResponse<String>> f : purchases) {
        HttpResponse<String> r = f.get();
        if (r.statusCode() == 201) {
          sold++;
        } else {
          assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
          assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
          conflicts++;
        }
      }
      assertThat(sold).isEqualTo(10);
      assertThat(conflicts).isEqualTo(40);
      HttpResponse<String> item = http.send(HttpRequest.newBuilder(URI.create(buyerBase + "/items/" + itemId)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(JSON.readTree(item.body()).get("quantity").asInt()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  private static HttpResponse<String> post(String base, String path, String token, Map<String, Object> body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static boolean healthy(String hostPort) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + "/health")).timeout(Duration.ofSeconds(3)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }
}
