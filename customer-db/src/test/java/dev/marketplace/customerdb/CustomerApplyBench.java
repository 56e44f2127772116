package dev.marketplace.customerdb;

import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.customer.Account;
import dev.marketplace.proto.customer.commands.ChangeCart;
import dev.marketplace.proto.customer.commands.CreateAccount;
import dev.marketplace.proto.customer.commands.CreateSession;
import dev.marketplace.proto.customer.commands.CustomerCommand;
import dev.marketplace.replica.CommandResult;
import dev.marketplace.replica.JdbcStateMachine;
import dev.marketplace.replica.testing.ApplyBench;
import java.io.IOException;
import java.util.List;

/**
 * The apply path alone, without replication or gRPC: the customer-db benchmark workload (each
 * client alternates AddToCart and RemoveFromCart of one item in its own buyer session, no
 * idempotency key) fed to {@link JdbcStateMachine#apply} in batches of 1, 8 and 32 commands with
 * {@code durable = false}, as totem does. Prints commands/s and the CPU spent per command by the
 * applying thread and by PostgreSQL (all processes of a dedicated server), which is far less
 * sensitive to the load of a shared machine than wall-clock throughput. The harness is replica's
 * {@link ApplyBench} (test-jar).
 *
 * <p>Run after {@code mvn -B -o -q -pl customer-db -am test-compile dependency:build-classpath
 * -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test}: {@code java -cp
 * "customer-db/target/test-classes:customer-db/target/classes:$(cat customer-db/target/bench.cp)"
 * dev.marketplace.customerdb.CustomerApplyBench [seconds per row, default 5] [batch sizes,
 * default 1,8,32]}. A main program; not thread-safe.
 */
public final class CustomerApplyBench {
  private CustomerApplyBench() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    ApplyBench.main(args, "customer-db apply path (ChangeCart add/remove, no key)",
        "classpath:db/customer", CustomerHandler::new, Load::new);
  }

  /** Closed-loop clients: one command per client per batch. */
  private static final class Load implements ApplyBench.Load {
    final int clients;
    final String[] tokens;
    final long[] step;
    long now = 1_700_000_000_000L;

    Load(JdbcStateMachine<CustomerCommand> sm, int clients) throws IOException {
      this.clients = clients;
      this.tokens = new String[clients];
      this.step = new long[clients];
      for (int c = 0; c < clients; c++) {
        byte[] r = one(sm, CustomerCommand.newBuilder().setNowMillis(now)
            .setCreateAccount(CreateAccount.newBuilder().setRole(Role.BUYER)
                .setUsername("bench" + c).setName("bench").setPasswordHash("x")).build());
        long id = Account.parseFrom(CommandResult.decode(r).payload()).getId();
        tokens[c] = "token-" + c + "-0123456789abcdef0123456789abcdef";
        one(sm, CustomerCommand.newBuilder().setNowMillis(now)
            .setCreateSession(CreateSession.newBuilder().setRole(Role.BUYER).setAccountId(id)
                .setToken(tokens[c]).setExpiresAtMillis(now + 300_000).setTimeoutSeconds(300))
            .build());
      }
    }

    private static byte[] one(JdbcStateMachine<CustomerCommand> sm, CustomerCommand c) {
      byte[] r = sm.apply(sm.lastApplied() + 1, List.of(c.toByteArray()), false).get(0);
      if (!CommandResult.decode(r).isOk()) {
        throw new IllegalStateException(c + ": " + CommandResult.decode(r));
      }
      return r;
    }

    @Override
    public int clients() {
      return clients;
    }

    @Override
    public byte[] next(int c) {
      now++;
      boolean add = step[c] % 2 == 0;
      return CustomerCommand.newBuilder().setNowMillis(now)
          .setChangeCart(ChangeCart.newBuilder().setToken(tokens[c])
              .setItemId(ItemId.newBuilder().setCategory(1).setNumber(1)).setQuantity(1)
              .setAvailable(add ? 100 : 0).setAdd(add).setExpiresAtMillis(now + 300_000))
          .build().toByteArray();
    }

    @Override
    public void result(int c, byte[] bytes) {
      CommandResult r = CommandResult.decode(bytes);
      if (!r.isOk()) {
        throw new IllegalStateException("client " + c + " step " + step[c] + ": " + r);
      }
      step[c]++;
    }
  }
}
