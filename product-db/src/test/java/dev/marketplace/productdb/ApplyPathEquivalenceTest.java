package dev.marketplace.productdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.postgres.SharedLocalPostgres;
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
import dev.marketplace.replica.CommandHandler;
import dev.marketplace.replica.JdbcStateMachine;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The optimized {@link ProductHandler} on the batched fast path against {@link
 * LegacyProductHandler} (the handler before the apply-path work) with a savepoint per command:
 * random command streams (accepted, rejected, repeated keys and reservation/feedback ids,
 * malformed and empty commands) in random batches must give byte-identical results and identical
 * tables. Deterministic per seed, which is printed; {@code -Dequivalence.seeds=N}, {@code
 * -Dequivalence.commands=N} and {@code -Dequivalence.seed=S} for longer or repeated sweeps.
 */
class ApplyPathEquivalenceTest {
  private static final long T0 = 1_700_000_000_000L;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private <C> JdbcStateMachine<C> open(String prefix, CommandHandler<C> handler,
      boolean careful) {
    LocalPostgres pg = SharedLocalPostgres.get();
    JdbcStateMachine<C> sm = JdbcStateMachine.open(pg.jdbcUrl(SharedLocalPostgres.newDatabase(
        prefix)), pg.user(), "", 3, "classpath:db/product", handler);
    sm.setSavepointEveryCommand(careful);
    toClose.add(sm);
    return sm;
  }

  @Test
  void randomCommandStreamsGiveTheSameResultsAndTablesAsTheLegacyHandler() throws Exception {
    int seeds = Integer.getInteger("equivalence.seeds", 2);
    int commands = Integer.getInteger("equivalence.commands", 500);
    long base = Long.getLong("equivalence.seed", 20261125L);
    for (int i = 0; i < seeds; i++) {
      long seed = base + i;
      System.out.println("ApplyPathEquivalenceTest seed " + seed + " (-Dequivalence.seed="
          + seed + " -Dequivalence.seeds=1)");
      check(seed, commands);
    }
  }

  private void check(long seed, int n) throws Exception {
    Random rnd = new Random(seed);
    List<byte[]> cmds = commands(rnd, n);
    JdbcStateMachine<ProductCommand> fast = open("pe_fast", new ProductHandler(), false);
    JdbcStateMachine<ProductCommand> legacy =
        open("pe_legacy", new LegacyProductHandler(), true);
    List<String> got = new ArrayList<>();
    List<String> want = new ArrayList<>();
    Map<String, Integer> outcomes = new LinkedHashMap<>();
    int pos = 0;
    while (pos < n) {
      int size = Math.min(n - pos, 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 40));
      List<byte[]> batch = cmds.subList(pos, pos + size);
      for (byte[] r : fast.apply(pos + 1, batch, false)) {
        got.add(HexFormat.of().formatHex(r));
        outcomes.merge(r.length == 0 ? "no-op" : r[0] == 0 ? "ok" : "error " + r[0], 1,
            Integer::sum);
      }
      for (byte[] r : legacy.apply(pos + 1, batch, false)) {
        want.add(HexFormat.of().formatHex(r));
      }
      pos += size;
    }
    System.out.println("  outcomes: " + outcomes);
    for (int i = 0; i < n; i++) {
      assertThat(got.get(i)).as("seed " + seed + ", command " + (i + 1)).isEqualTo(want.get(i));
    }
    for (String table : tables(legacy.dataSource())) {
      assertThat(dump(fast.dataSource(), table)).as("seed " + seed + ", table " + table)
          .isEqualTo(dump(legacy.dataSource(), table));
    }
    assertThat(outcomes.keySet()).as("seed " + seed + ": the stream exercises accepted and "
        + "rejected commands").contains("ok", "error 2", "error 3", "error 5");
  }

  private static List<byte[]> commands(Random rnd, int n) {
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
      } else if (op < 98) {
        out.add(new byte[0]);
        continue;
      } else if (op < 99) {
        out.add("not a command".getBytes(StandardCharsets.UTF_8));
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

  static List<String> tables(DataSource ds) throws SQLException {
    List<String> out = rows(ds, "SELECT table_name FROM information_schema.tables WHERE "
        + "table_schema = current_schema() AND table_type = 'BASE TABLE' "
        + "AND table_name <> 'flyway_schema_history' ORDER BY 1");
    assertThat(out).contains("items", "idempotency", "replica_state");
    return out;
  }

  static List<String> dump(DataSource ds, String table) throws SQLException {
    return rows(ds, "SELECT t::text FROM \"" + table + "\" t ORDER BY 1");
  }

  static List<String> rows(DataSource ds, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }
}
