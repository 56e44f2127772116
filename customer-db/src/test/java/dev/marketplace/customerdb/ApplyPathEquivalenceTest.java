package dev.marketplace.customerdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.postgres.SharedLocalPostgres;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.Vote;
import dev.marketplace.proto.customer.FeedbackRequest;
import dev.marketplace.proto.customer.PurchaseLine;
import dev.marketplace.proto.customer.RecordPurchaseRequest;
import dev.marketplace.proto.customer.commands.ChangeCart;
import dev.marketplace.proto.customer.commands.CreateAccount;
import dev.marketplace.proto.customer.commands.CreateSession;
import dev.marketplace.proto.customer.commands.CustomerCommand;
import dev.marketplace.proto.customer.commands.DeleteSession;
import dev.marketplace.proto.customer.commands.SessionCartOp;
import dev.marketplace.proto.customer.commands.TouchSession;
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
 * The optimized {@link CustomerHandler} on the batched fast path against {@link
 * LegacyCustomerHandler} (the handler before the apply-path work) with a savepoint per command:
 * random command streams (accounts, logins with token collisions and session clean-up, expired
 * and foreign sessions, cart changes beyond the stock, purchases, feedback, repeated keys,
 * malformed and empty commands) in random batches must give byte-identical results and
 * identical tables. Deterministic per seed, which is printed; {@code -Dequivalence.seeds=N},
 * {@code -Dequivalence.commands=N} and {@code -Dequivalence.seed=S} for longer or repeated sweeps.
 */
class ApplyPathEquivalenceTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final Role[] ROLES = {Role.BUYER, Role.BUYER, Role.SELLER, Role.ROLE_UNSPECIFIED};
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
        prefix)), pg.user(), "", 3, "classpath:db/customer", handler);
    sm.setSavepointEveryCommand(careful);
    toClose.add(sm);
    return sm;
  }

  @Test
  void randomCommandStreamsGiveTheSameResultsAndTablesAsTheLegacyHandler() throws Exception {
    int seeds = Integer.getInteger("equivalence.seeds", 2);
    int commands = Integer.getInteger("equivalence.commands", 400);
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
    JdbcStateMachine<CustomerCommand> fast = open("ce_fast", new CustomerHandler(), false);
    JdbcStateMachine<CustomerCommand> legacy =
        open("ce_legacy", new LegacyCustomerHandler(), true);
    List<String> got = new ArrayList<>();
    List<String> want = new ArrayList<>();
    Map<String, Integer> outcomes = new LinkedHashMap<>();
    int pos = 0;
    while (pos < n) {
      int size = Math.min(n - pos, 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 40));
      List<byte[]> batch = cmds.subList(pos, pos + size);
      List<byte[]> results = fast.apply(pos + 1, batch, false);
      for (int i = 0; i < size; i++) {
        byte[] r = results.get(i);
        got.add(HexFormat.of().formatHex(r));
        String kind = batch.get(i).length == 0 ? "empty" : kind(batch.get(i));
        outcomes.merge(kind + (r.length == 0 ? "" : r[0] == 0 ? " ok" : " error " + r[0]), 1,
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
        + "rejected commands").contains("CHANGE_CART ok", "CHANGE_CART error 5",
        "CHANGE_CART error 6", "CREATE_SESSION ok", "RECORD_PURCHASE ok", "SAVE_CART ok");
  }

  private static String kind(byte[] command) {
    try {
      return CustomerCommand.parseFrom(command).getKindCase().name();
    } catch (Exception e) {
      return "malformed";
    }
  }

  private static List<byte[]> commands(Random rnd, int n) {
    List<byte[]> out = new ArrayList<>();
    long now = T0;
    for (int i = 0; i < n; i++) {
      now += rnd.nextInt(150) == 0 ? 2 * 3600_000L : rnd.nextInt(3_000);
      CustomerCommand.Builder b = CustomerCommand.newBuilder().setNowMillis(now);
      if (rnd.nextInt(10) < 3) {
        b.setIdempotencyKey("key" + rnd.nextInt(10));
      }
      String token = "tok" + rnd.nextInt(6);
      long expires = now + rnd.nextInt(rnd.nextBoolean() ? 60_000 : 1_800_000);
      int op = i < 12 ? 0 : rnd.nextInt(100);
      if (op < 6) {
        b.setCreateAccount(CreateAccount.newBuilder().setRole(ROLES[rnd.nextInt(4)])
            .setUsername("user" + rnd.nextInt(8)).setName("name " + i).setPasswordHash("h" + i));
      } else if (op < 18) {
        b.setCreateSession(CreateSession.newBuilder().setRole(ROLES[rnd.nextInt(1 + rnd.nextInt(4))])
            .setAccountId(1 + rnd.nextInt(5)).setToken(token).setExpiresAtMillis(expires)
            .setTimeoutSeconds(300));
      } else if (op < 21) {
        b.setDeleteSession(DeleteSession.newBuilder().setToken(token)
            .setRole(ROLES[rnd.nextInt(3)]));
      } else if (op < 26) {
        b.setTouchSession(TouchSession.newBuilder().setToken(token)
            .setRole(ROLES[rnd.nextInt(3)]).setExpiresAtMillis(expires));
      } else if (op < 60) {
        b.setChangeCart(ChangeCart.newBuilder().setToken(token).setItemId(item(rnd))
            .setQuantity(1 + rnd.nextInt(5)).setAvailable(rnd.nextInt(12))
            .setAdd(rnd.nextInt(3) > 0).setExpiresAtMillis(expires));
      } else if (op < 64) {
        b.setClearCart(SessionCartOp.newBuilder().setToken(token).setExpiresAtMillis(expires));
      } else if (op < 70) {
        b.setSaveCart(SessionCartOp.newBuilder().setToken(token).setExpiresAtMillis(expires));
      } else if (op < 84) {
        RecordPurchaseRequest.Builder p = RecordPurchaseRequest.newBuilder()
            .setToken(rnd.nextInt(4) == 0 ? "" : token).setBuyerId(1 + rnd.nextInt(5))
            .setPurchaseId("p" + rnd.nextInt(12)).setPurchasedAtMillis(now);
        long total = 0;
        for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
          PurchaseLine l = PurchaseLine.newBuilder().setItemId(item(rnd)).setName("thing " + k)
              .setQuantity(1 + rnd.nextInt(4)).setUnitPriceCents(1 + rnd.nextInt(500))
              .setSellerId(1 + rnd.nextInt(4)).build();
          total += l.getQuantity() * l.getUnitPriceCents();
          p.addLines(l);
        }
        b.setRecordPurchase(p.setTotalCents(total));
      } else if (op < 97) {
        b.setRecordFeedback(FeedbackRequest.newBuilder().setBuyerId(1 + rnd.nextInt(5))
            .setItemId(item(rnd)).setSellerId(1 + rnd.nextInt(4))
            .setVote(rnd.nextBoolean() ? Vote.UP : Vote.DOWN));
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

  private static ItemId item(Random rnd) {
    return ItemId.newBuilder().setCategory(rnd.nextInt(2)).setNumber(1 + rnd.nextInt(4)).build();
  }

  static List<String> tables(DataSource ds) throws SQLException {
    List<String> out = rows(ds, "SELECT table_name FROM information_schema.tables WHERE "
        + "table_schema = current_schema() AND table_type = 'BASE TABLE' "
        + "AND table_name <> 'flyway_schema_history' ORDER BY 1");
    assertThat(out).contains("sessions", "cart_lines", "idempotency", "replica_state");
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
