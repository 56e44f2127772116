package dev.marketplace.customerdb;

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
import dev.marketplace.replica.testing.ApplyPathEquivalenceSuite;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The optimized {@link CustomerHandler} on the batched fast path against {@link
 * LegacyCustomerHandler} (the handler before the apply-path work) with a savepoint per command:
 * random command streams (accounts, logins with token collisions and session clean-up, expired
 * and foreign sessions, cart changes beyond the stock, purchases, feedback, repeated keys,
 * malformed and empty commands) in random batches must give byte-identical results and
 * identical tables. The harness is replica's {@link ApplyPathEquivalenceSuite} (test-jar).
 * Deterministic per seed, which is printed; {@code -Dequivalence.seeds=N},
 * {@code -Dequivalence.commands=N} (default 400) and {@code -Dequivalence.seed=S} for longer or
 * repeated sweeps.
 */
class ApplyPathEquivalenceTest extends ApplyPathEquivalenceSuite<CustomerCommand> {
  private static final long T0 = 1_700_000_000_000L;
  private static final Role[] ROLES = {Role.BUYER, Role.BUYER, Role.SELLER, Role.ROLE_UNSPECIFIED};

  ApplyPathEquivalenceTest() {
    super("classpath:db/customer", "ce", 400, CustomerHandler::new, LegacyCustomerHandler::new);
  }

  @Override
  protected String outcome(byte[] command, byte[] result) {
    String kind = command.length == 0 ? "empty" : kind(command);
    return kind + (result.length == 0 ? "" : " " + verdict(result));
  }

  @Override
  protected List<String> requiredTables() {
    return List.of("sessions", "cart_lines", "idempotency", "replica_state");
  }

  @Override
  protected List<String> requiredOutcomes() {
    return List.of("CHANGE_CART ok", "CHANGE_CART error 5", "CHANGE_CART error 6",
        "CREATE_SESSION ok", "RECORD_PURCHASE ok", "SAVE_CART ok");
  }

  private static String kind(byte[] command) {
    try {
      return CustomerCommand.parseFrom(command).getKindCase().name();
    } catch (Exception e) {
      return "malformed";
    }
  }

  @Override
  protected List<byte[]> commands(Random rnd, int n) {
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
      } else if (op < 99) {
        out.add(malformed(op - 97)); // 97: empty, 98: not a command
        continue;
      } // else: no kind set
      out.add(b.build().toByteArray());
    }
    return out;
  }

  private static ItemId item(Random rnd) {
    return ItemId.newBuilder().setCategory(rnd.nextInt(2)).setNumber(1 + rnd.nextInt(4)).build();
  }
}
