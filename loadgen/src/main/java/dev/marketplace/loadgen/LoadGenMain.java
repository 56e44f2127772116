package dev.marketplace.loadgen;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.marketplace.config.ConfigException;
import dev.marketplace.config.EnvDefaults;
import dev.marketplace.config.HostPort;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The benchmark: creates sellers, items and logged-in buyers through the public REST API, then
 * for every concurrency level and workload runs that many closed-loop clients for a warm-up and a
 * measured window, and prints throughput and latency per request kind. Settings come from options
 * or, through {@link EnvDefaults}, from {@code SELLER_SERVERS} / {@code BUYER_SERVERS} etc.
 * Exit code 0 when every answer was expected or a 4xx; 1 when any 5xx or unanswered request was
 * seen; 2 for bad usage or a failed setup. One instance per run; not thread-safe.
 */
@Command(
    name = "loadgen",
    mixinStandardHelpOptions = true,
    version = "marketplace loadgen 0.1.0",
    sortOptions = false,
    description = {
      "Benchmark of the marketplace through its public REST API.",
      "Per concurrency level and workload: ops/s and latency p50/p99/max per request kind.",
      "Targets only the given (loopback) addresses; stops by itself."
    })
public final class LoadGenMain implements Callable<Integer> {
  /** Names of the workloads, in run order. */
  static final List<String> WORKLOADS =
      List.of("seller-writes", "buyer-reads", "cart", "purchase", "mixed");

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--seller-servers", required = true, paramLabel = "HOST:PORT,...",
      description = "Seller REST servers (env SELLER_SERVERS).")
  String sellerServers;

  @Option(names = "--buyer-servers", required = true, paramLabel = "HOST:PORT,...",
      description = "Buyer REST servers (env BUYER_SERVERS).")
  String buyerServers;

  @Option(names = {"-c", "--clients"}, split = ",", defaultValue = "1,8,32",
      paramLabel = "N,...", description = "Concurrency levels (default ${DEFAULT-VALUE}).")
  List<Integer> clients;

  @Option(names = {"-d", "--duration"}, defaultValue = "10s",
      converter = DurationConverter.class,
      description = "Measured time per level and workload (default ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = {"-w", "--warmup"}, defaultValue = "3s", converter = DurationConverter.class,
      description = "Unmeasured warm-up before each measurement (default ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--workloads", split = ",", paramLabel = "NAME,...",
      defaultValue = "seller-writes,buyer-reads,cart,purchase,mixed",
      description = "Workloads to run, of ${DEFAULT-VALUE}.")
  List<String> workloads;

  @Option(names = "--mix", defaultValue = "search=30,get=30,price=10,cart=20,purchase=10",
      description = "Action weights of the mixed workload (default ${DEFAULT-VALUE}).")
  String mix;

  @Option(names = "--sellers", defaultValue = "4", description = "Seller accounts (default 4).")
  int sellers;

  @Option(names = "--items-per-seller", defaultValue = "25",
      description = "Items per seller (default 25).")
  int itemsPerSeller;

  @Option(names = "--buyers", defaultValue = "4",
      description = "Buyer accounts; each client has its own session (cart) on one of them"
          + " (default 4).")
  int buyers;

  @Option(names = "--stock", defaultValue = "100000",
      description = "Units per item at setup and after each restock (default 100000).")
  int stock;

  @Option(names = "--restock-every", defaultValue = "25",
      description = "A client restocks the item it bought after this many approved purchases"
          + " (default 25).")
  int restockEvery;

  @Option(names = "--max-requests", defaultValue = "1000000",
      description = "At most this many actions per level and workload (default 1000000).")
  long maxRequests;

  @Option(names = "--request-timeout", defaultValue = "10s", converter = DurationConverter.class,
      description = "Timeout of one request to one server (default ${DEFAULT-VALUE}).")
  Duration requestTimeout;

  @Option(names = "--seed", description = "Seed of the clients' choices (default: random).")
  Long seed;

  @Option(names = "--allow-non-loopback",
      description = "Allow server addresses that are not loopback (default: refused).")
  boolean allowNonLoopback;

  @Option(names = "--json", description = "Print the result as JSON instead of a table.")
  boolean json;

  /** Parsed and checked settings; set by {@link #validate}. */
  private List<HostPort> sellerList;
  private List<HostPort> buyerList;
  private OperationMix mixedMix;

  /** Runs and exits the JVM with the exit code. */
  public static void main(String[] args) {
    System.exit(EnvDefaults.execute("loadgen", commandLine(null), args));
  }

  /** A command line whose option defaults come from {@code defaults} (null: the options' own). */
  static CommandLine commandLine(CommandLine.IDefaultValueProvider defaults) {
    CommandLine cl = new CommandLine(new LoadGenMain());
    cl.setDefaultValueProvider(defaults);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    return cl;
  }

  /** Checks option values; throws {@link CommandLine.ParameterException} naming the problem. */
  void validate() {
    try {
      sellerList = HostPort.parseList("--seller-servers (SELLER_SERVERS)", sellerServers);
      buyerList = HostPort.parseList("--buyer-servers (BUYER_SERVERS)", buyerServers);
    } catch (ConfigException e) {
      throw usage(e.getMessage());
    }
    if (!allowNonLoopback) {
      for (HostPort hp : concat(sellerList, buyerList)) {
        if (!isLoopback(hp.host())) {
          throw usage(hp + " is not a loopback address; the benchmark only targets this machine"
              + " unless --allow-non-loopback is given");
        }
      }
    }
    if (clients.isEmpty() || clients.stream().anyMatch(c -> c == null || c < 1 || c > 1024)) {
      throw usage("--clients: each level must be 1..1024, got " + clients);
    }
    Duration max = Duration.ofHours(1);
    if (duration.isZero() || duration.compareTo(max) > 0) {
      throw usage("--duration must be > 0 and <= 1h, got " + duration);
    }
    if (warmup.compareTo(max) > 0) {
      throw usage("--warmup must be <= 1h, got " + warmup);
    }
    if (requestTimeout.isZero() || requestTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
      throw usage("--request-timeout must be > 0 and <= 5m, got " + requestTimeout);
    }
    Set<String> seen = new HashSet<>();
    for (String w : workloads) {
      if (!WORKLOADS.contains(w)) {
        throw usage("--workloads: unknown workload '" + w + "' (expected one of "
            + String.join(", ", WORKLOADS) + ")");
      }
      if (!seen.add(w)) {
        throw usage("--workloads: '" + w + "' appears twice");
      }
    }
    try {
      mixedMix = OperationMix.parse(mix);
    } catch (IllegalArgumentException e) {
      throw usage("--mix: " + e.getMessage());
    }
    if (sellers < 1 || sellers > 1000 || itemsPerSeller < 1 || itemsPerSeller > 1000
        || buyers < 1 || buyers > 1000) {
      throw usage("--sellers, --items-per-seller and --buyers must be 1..1000");
    }
    if (stock < 1 || restockEvery < 1 || maxRequests < 1) {
      throw usage("--stock, --restock-every and --max-requests must be positive");
    }
  }

  /** The mix of a workload name. */
  OperationMix mixOf(String workload) {
    return switch (workload) {
      case "seller-writes" -> OperationMix.only(Action.PRICE);
      case "buyer-reads" -> new OperationMix(Map.of(Action.SEARCH, 1, Action.GET, 1));
      case "cart" -> OperationMix.only(Action.CART);
      case "purchase" -> OperationMix.only(Action.PURCHASE);
      case "mixed" -> mixedMix;
      default -> throw new IllegalArgumentException("unknown workload " + workload);
    };
  }

  List<HostPort> sellerList() {
    return sellerList;
  }

  List<HostPort> buyerList() {
    return buyerList;
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  private static boolean isLoopback(String host) {
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  @Override
  public Integer call() throws Exception {
    validate();
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    long runSeed = seed != null ? seed : new SplittableRandom().nextLong();
    SplittableRandom seeds = new SplittableRandom(runSeed);
    HttpClient http = HttpApi.newHttpClient(requestTimeout.compareTo(Duration.ofSeconds(2)) < 0
        ? requestTimeout : Duration.ofSeconds(2));
    String runId = "lg" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36)
        + Integer.toString(new SplittableRandom().nextInt(1296), 36);
    int sessions = clients.stream().mapToInt(Integer::intValue).max().orElse(1);
    err.printf("loadgen %s: seller servers %s, buyer servers %s, seed %d%n", runId,
        HostPort.format(sellerList), HostPort.format(buyerList), runSeed);
    err.printf("setup: %d sellers x %d items, %d buyer accounts, %d buyer sessions ...%n",
        sellers, itemsPerSeller, buyers, sessions);
    err.flush();
    long setupStart = System.nanoTime();
    Fixture fixture;
    try {
      fixture = Fixture.create(
          () -> new HttpApi(http, sellerList, requestTimeout, new SplittableRandom()),
          () -> new HttpApi(http, buyerList, requestTimeout, new SplittableRandom()),
          runId, sellers, itemsPerSeller, buyers, sessions, stock, seeds.nextLong(), 4);
    } catch (Fixture.SetupException e) {
      err.println(e.getMessage());
      err.flush();
      return 2;
    }
    double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
    err.printf("setup done in %.1f s%n", setupSeconds);
    err.flush();

    List<ResultRow> rows = new ArrayList<>();
    Map<String, String> failureSamples = new LinkedHashMap<>();
    long failovers = 0;
    for (int level : clients) {
      for (String workload : workloads) {
        try {
          prepare(fixture, http);
        } catch (Fixture.SetupException e) {
          err.println(e.getMessage());
          err.flush();
          return 2;
        }
        err.printf("%d client(s), %s: %.1f s warm-up + %.1f s ...%n", level, workload,
            warmup.toMillis() / 1000.0, duration.toMillis() / 1000.0);
        err.flush();
        OperationMix m = mixOf(workload);
        long now = System.nanoTime();
        long measureFrom = now + warmup.toNanos();
        long stopAt = measureFrom + duration.toNanos();
        AtomicLong budget = new AtomicLong(maxRequests);
        List<Client> running = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < level; i++) {
          SplittableRandom r = seeds.split();
          Client c = new Client(fixture, i, new HttpApi(http, buyerList, requestTimeout, r),
              new HttpApi(http, sellerList, requestTimeout, r), m, r, measureFrom, stopAt,
              budget, stock, restockEvery);
          running.add(c);
          Thread t = new Thread(c, "loadgen-client-" + i);
          t.setDaemon(true);
          threads.add(t);
          t.start();
        }
        for (Thread t : threads) {
          t.join();
        }
        // the window ends at stopAt, or earlier for everyone when the budget ran out
        double seconds = (Math.min(System.nanoTime(), stopAt) - measureFrom) / 1e9;
        List<RequestStats> merged = Client.merge(running);
        for (RequestStats s : merged) {
          rows.add(s.toRow(level, workload, seconds));
        }
        if (merged.size() > 1) {
          Set<Integer> expected = new HashSet<>();
          merged.forEach(s -> expected.addAll(s.expected()));
          RequestStats all = new RequestStats("(all requests)", expected);
          merged.forEach(all::add);
          ResultRow total = all.toRow(level, workload, seconds);
          long errors = merged.stream().mapToLong(RequestStats::errors).sum();
          rows.add(new ResultRow(total.clients(), total.workload(), total.request(),
              total.ok() + total.errors() - errors,
              seconds <= 0 ? 0 : (total.ok() + total.errors() - errors) / seconds,
              total.p50Ms(), total.p99Ms(), total.maxMs(), total.statuses(), errors,
              total.expected()));
        }
        for (Client c : running) {
          failovers += c.failovers();
          c.failureSamples().forEach((k, v) -> failureSamples.putIfAbsent(
              level + " clients " + workload + " " + k, v));
        }
      }
    }

    boolean failed = rows.stream().anyMatch(ResultRow::serverFailure);
    if (json) {
      ObjectNode root = HttpApi.JSON.createObjectNode();
      root.put("runId", runId);
      root.put("finishedAt", Instant.now().toString());
      root.put("sellerServers", HostPort.format(sellerList));
      root.put("buyerServers", HostPort.format(buyerList));
      root.put("durationSeconds", duration.toMillis() / 1000.0);
      root.put("warmupSeconds", warmup.toMillis() / 1000.0);
      root.put("mix", mixedMix.toString());
      root.put("seed", runSeed);
      root.put("setupSeconds", Math.round(setupSeconds * 100) / 100.0);
      root.put("failovers", failovers);
      root.set("rows", ResultTable.toJson(rows));
      ObjectNode samples = root.putObject("serverFailureSamples");
      failureSamples.forEach(samples::put);
      root.put("serverFailure", failed);
      out.println(HttpApi.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT)
          .writeValueAsString(root));
    } else {
      out.printf(Locale.ROOT, "duration %.1f s per level and workload after %.1f s warm-up;"
          + " mixed = %s; failovers %d%n", duration.toMillis() / 1000.0,
          warmup.toMillis() / 1000.0, mixedMix, failovers);
      out.print(ResultTable.format(rows));
      if (!failureSamples.isEmpty()) {
        out.println("unexpected server failures (first answer of each kind):");
        failureSamples.forEach((k, v) -> out.println("  " + k + ": " + v));
      }
      if (failed) {
        out.println("FAILED: 5xx answers or requests no server answered (marked '!' above)");
      }
    }
    out.flush();
    return failed ? 1 : 0;
  }

  /**
   * Before a measurement: every buyer session gets an empty cart and every session is refreshed;
   * a session that expired meanwhile (401) is replaced by a new login.
   */
  private void prepare(Fixture fixture, HttpClient http) throws Fixture.SetupException {
    HttpApi buyer = new HttpApi(http, buyerList, requestTimeout, new SplittableRandom());
    HttpApi seller = new HttpApi(http, sellerList, requestTimeout, new SplittableRandom());
    for (int i = 0; i < fixture.buyerSessions(); i++) {
      HttpApi.Resp r = buyer.write("DELETE", "/cart", fixture.buyerToken(i), null);
      if (r.status() == 401) {
        fixture.relogBuyer(i);
        r = buyer.write("DELETE", "/cart", fixture.buyerToken(i), null);
      }
      if (r.status() != 204) {
        throw new Fixture.SetupException("prepare: DELETE /cart answered " + r.status() + ": "
            + r.body());
      }
    }
    for (int i = 0; i < fixture.sellers.size(); i++) {
      HttpApi.Resp r = seller.get("/me/rating", fixture.sellerToken(i));
      if (r.status() == 401) {
        fixture.relogSeller(i);
        r = seller.get("/me/rating", fixture.sellerToken(i));
      }
      if (r.status() != 200) {
        throw new Fixture.SetupException("prepare: seller " + fixture.sellers.get(i).username()
            + " GET /me/rating answered " + r.status() + ": " + r.body());
      }
    }
  }
}
