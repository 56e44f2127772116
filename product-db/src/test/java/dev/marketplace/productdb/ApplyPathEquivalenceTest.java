package dev.marketplace.productdb;

import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Vote;
import dev.marketplace.proto.product.AddItemVoteRequest;
import dev.marketplace.proto.product.Condition;
import dev.marketplace.proto.product.CreateItemRequest;
import dev.marketplace.proto.product.RemoveUnitsRequest;
import dev.marketplace.proto.product.ReturnStockRequest;
import dev.marketplace.proto.product.SetQuantityRequest;
import dev.marketplace.proto.product.StockLine;
import dev.marketplace.proto.product.TakeStockRequest;
import dev.marketplace.proto.product.UpdatePriceRequest;
import dev.marketplace.proto.product.commands.ProductCommand;
import dev.marketplace.replica.testing.ApplyPathEquivalenceSuite;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The optimized {@link ProductHandler} on the batched fast path against {@link
 * LegacyProductHandler} (the handler before the apply-path work) with a savepoint per command:
 * random command streams (accepted, rejected, repeated keys and reservation/feedback ids,
 * malformed and empty commands) in random batches must give byte-identical results and identical
 * tables. The harness is replica's {@link ApplyPathEquivalenceSuite} (test-jar). Deterministic per
 * seed, which is printed; {@code -Dequivalence.seeds=N}, {@code -Dequivalence.commands=N}
 * (default 500) and {@code -Dequivalence.seed=S} for longer or repeated sweeps.
 */
class ApplyPathEquivalenceTest extends ApplyPathEquivalenceSuite<ProductCommand> {
  private static final long T0 = 1_700_000_000_000L;

  ApplyPathEquivalenceTest() {
    super("classpath:db/product", "pe", 500, ProductHandler::new, LegacyProductHandler::new);
  }

  @Override
  protected String outcome(byte[] command, byte[] result) {
    return result.length == 0 ? "no-op" : verdict(result);
  }

  @Override
  protected List<String> requiredTables() {
    return List.of("items", "idempotency", "replica_state");
  }

  @Override
  protected List<String> requiredOutcomes() {
    return List.of("ok", "error 2", "error 3", "error 5");
  }

  @Override
  protected List<byte[]> commands(Random rnd, int n) {
    List<byte[]> out = new ArrayList<>();
    long now = T0;
    int created = 0;
    for (int i = 0; i < n; i++) {
      now += rnd.nextInt(50) == 0 ? 13 * 3600_000L : rnd.nextInt(1000);
      ProductCommand.Builder b = ProductCommand.newBuilder().setNowMillis(now);
      if (rnd.nextInt(10) < 3) {
        b.setIdempotencyKey("key" + rnd.nextInt(10));
      }
      long seller = 1 + rnd.nextInt(3);
      int op = rnd.nextInt(100);
      if (op < 22 || created < 3) {
        created++;
        CreateItemRequest.Builder c = CreateItemRequest.newBuilder().setSellerId(seller)
            .setName("item " + i).setCategory(rnd.nextInt(3))
            .setCondition(rnd.nextBoolean() ? Condition.NEW : Condition.USED)
            .setPriceCents(1 + rnd.nextInt(1000)).setQuantity(rnd.nextInt(20));
        for (int k = rnd.nextInt(4); k > 0; k--) {
          c.addKeywords("kw" + rnd.nextInt(5));
        }
        b.setCreateItem(c);
      } else if (op < 32) {
        b.setUpdatePrice(UpdatePriceRequest.newBuilder().setSellerId(seller).setId(id(rnd))
            .setPriceCents(1 + rnd.nextInt(1000)));
      } else if (op < 42) {
        b.setSetQuantity(SetQuantityRequest.newBuilder().setSellerId(seller).setId(id(rnd))
            .setQuantity(rnd.nextInt(20)));
      } else if (op < 55) {
        b.setRemoveUnits(RemoveUnitsRequest.newBuilder().setSellerId(seller).setId(id(rnd))
            .setQuantity(1 + rnd.nextInt(15)));
      } else if (op < 75) {
        TakeStockRequest.Builder t = TakeStockRequest.newBuilder()
            .setReservationId("res" + rnd.nextInt(15));
        for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
          t.addLines(StockLine.newBuilder().setId(id(rnd)).setQuantity(1 + rnd.nextInt(8)));
        }
        b.setTakeStock(t);
      } else if (op < 84) {
        b.setReturnStock(ReturnStockRequest.newBuilder()
            .setReservationId("res" + rnd.nextInt(18)));
      } else if (op < 97) {
        b.setAddItemVote(AddItemVoteRequest.newBuilder().setFeedbackId("fb" + rnd.nextInt(20))
            .setId(id(rnd)).setVote(rnd.nextBoolean() ? Vote.UP : Vote.DOWN));
      } else if (op < 99) {
        out.add(malformed(op - 97)); // 97: empty, 98: not a command
        continue;
      } // else: no kind set
      out.add(b.build().toByteArray());
    }
    return out;
  }

  /** An item id that usually exists (categories 0-2, low numbers) and sometimes does not. */
  private static ItemId id(Random rnd) {
    return ItemId.newBuilder().setCategory(rnd.nextInt(3)).setNumber(1 + rnd.nextInt(12))
        .build();
  }
}
