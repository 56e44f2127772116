package dev.marketplace.productdb;

import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.product.Condition;
import dev.marketplace.proto.product.CreateItemRequest;
import dev.marketplace.proto.product.Item;
import dev.marketplace.proto.product.SetQuantityRequest;
import dev.marketplace.proto.product.commands.ProductCommand;
import dev.marketplace.replica.CommandResult;
import dev.marketplace.replica.JdbcStateMachine;
import dev.marketplace.replica.testing.ApplyBench;
import java.io.IOException;

/**
 * The apply path alone, without replication or gRPC: the product-db benchmark workload (each
 * client creates an item, then sets its quantity 3 times, every write with an idempotency key) fed
 * to {@link JdbcStateMachine#apply} in batches of 1, 8 and 32 commands with {@code durable =
 * false}, as Raft does. Prints commands/s and the CPU spent per command by the applying thread
 * and by PostgreSQL (all processes of a dedicated server), which is far less sensitive to the
 * load of a shared machine than wall-clock throughput. The harness is replica's {@link
 * ApplyBench} (test-jar).
 *
 * <p>Run after {@code mvn -B -o -q -pl product-db -am test-compile dependency:build-classpath
 * -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test}: {@code java -cp
 * "product-db/target/test-classes:product-db/target/classes:$(cat product-db/target/bench.cp)"
 * dev.marketplace.productdb.ProductApplyBench [seconds per row, default 5] [batch sizes, default
 * 1,8,32]}. A main program; not thread-safe.
 */
public final class ProductApplyBench {
  private ProductApplyBench() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    ApplyBench.main(args, "product-db apply path (CreateItem + 3 SetQuantity per item, keyed)",
        "classpath:db/product", ProductHandler::new, (sm, clients) -> new Load(clients));
  }

  /** Closed-loop clients: one command per client per batch. */
  private static final class Load implements ApplyBench.Load {
    final int clients;
    final ItemId[] items;
    final long[] step;
    long now = 1_700_000_000_000L;

    Load(int clients) {
      this.clients = clients;
      this.items = new ItemId[clients];
      this.step = new long[clients];
    }

    @Override
    public int clients() {
      return clients;
    }

    @Override
    public byte[] next(int c) {
      long k = step[c] / 4;
      int s = (int) (step[c] % 4);
      String key = "bench-c-" + c + "-" + k;
      ProductCommand.Builder b = ProductCommand.newBuilder().setNowMillis(++now);
      if (s == 0) {
        b.setIdempotencyKey(key).setCreateItem(CreateItemRequest.newBuilder()
            .setSellerId(1000 + c).setName("i" + c + "-" + k).setCategory((int) (k % 10))
            .addKeywords("k" + (k % 7)).setCondition(Condition.NEW).setPriceCents(100 + k)
            .setQuantity(1).setIdempotencyKey(key));
      } else {
        b.setIdempotencyKey(key + "-q" + s).setSetQuantity(SetQuantityRequest.newBuilder()
            .setSellerId(1000 + c).setId(items[c]).setQuantity(s * 10L + c)
            .setIdempotencyKey(key + "-q" + s));
      }
      return b.build().toByteArray();
    }

    @Override
    public void result(int c, byte[] bytes) throws IOException {
      CommandResult r = CommandResult.decode(bytes);
      if (!r.isOk()) {
        throw new IllegalStateException("client " + c + " step " + step[c] + ": " + r);
      }
      if (step[c] % 4 == 0) {
        items[c] = Item.parseFrom(r.payload()).getId();
      }
      step[c]++;
    }
  }
}
