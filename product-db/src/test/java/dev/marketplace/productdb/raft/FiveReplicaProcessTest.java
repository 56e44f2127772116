package dev.marketplace.productdb.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.marketplace.postgres.SharedLocalPostgres;
import dev.marketplace.proto.ReplicaStatus;
import dev.marketplace.proto.product.GetItemRequest;
import dev.marketplace.proto.product.Item;
import dev.marketplace.proto.product.ProductDbGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five product-db replica processes replicated by Raft, under continuous CreateItem/SetQuantity
 * writes: SIGKILL the leader, then a follower, then restart both. Writes resume after each step,
 * every acknowledged write is present, and once quiet all five databases hold identical data.
 * Every wait is on a condition (the Status rpc, acknowledgement counts), never a sleep.
 * Tagged {@code processes} (exclude with {@code -DexcludedGroups=processes}).
 */
@Tag("processes")
class FiveReplicaProcessTest {
  private static final Duration STEP = Duration.ofSeconds(60);

  @TempDir Path work;

  @Test
  void survivesLeaderAndFollowerKillsAndConvergesToIdenticalDatabases() throws Exception {
    try (ReplicaProcesses cluster = new ReplicaProcesses(5, work, SharedLocalPostgres.get(),
        "procraft" + System.nanoTime() % 100000,
        List.of("-Xmx160m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"))) {
      // snapshot + compact every 50 entries (ratio 0: the count alone, whatever the database
      // size), so restarted members catch up by InstallSnapshot
      // (PostgreSQL COPY snapshot shipped over Raft) as well as by log replay
      cluster.extraArgs.addAll(List.of("--raft-snapshot-every", "50",
          "--raft-snapshot-ratio", "0"));
      cluster.startAll();
      try {
        await("a leader all five agree on").atMost(Duration.ofSeconds(300))
            .pollInterval(Duration.ofMillis(200)).until(() -> allUp(cluster)
                && cluster.agreedLeader() >= 0);
        WriteLoad load = new WriteLoad(cluster.channels, "run", 3, null);
        load.start(4);
        int leader;
        int follower = -1;
        try {
          awaitMoreAcks(load, 100);
          leader = liveLeader(cluster);
          cluster.kill(leader);
          System.out.printf("killed leader %d after %d acks%n", leader, load.acked.get());
          awaitMoreAcks(load, 100);
          int newLeader = liveLeader(cluster);
          for (int i = 0; i < 5; i++) {
            if (cluster.alive(i) && i != newLeader) {
              follower = i;
              break;
            }
          }
          cluster.kill(follower);
          System.out.printf("killed follower %d (new leader %d) after %d acks%n", follower,
              newLeader, load.acked.get());
          awaitMoreAcks(load, 100);
          cluster.start(leader);
          cluster.start(follower);
          await("restarted members caught up").atMost(STEP)
              .pollInterval(Duration.ofMillis(200)).until(() -> allUp(cluster)
                  && cluster.agreedLeader() >= 0);
          awaitMoreAcks(load, 100);
        } finally {
          load.close();
        }
        // quiescence: every member applied the same, final position
        await("all five applied the same last index").atMost(STEP)
            .pollInterval(Duration.ofMillis(200)).until(() -> sameAppliedEverywhere(cluster));
        await("every member compacted its log").atMost(STEP)
            .pollInterval(Duration.ofMillis(200)).until(() -> {
              for (int i = 0; i < 5; i++) {
                ReplicaStatus s = cluster.status(i);
                if (s == null || s.getSnapshotIndex() == 0) return false;
              }
              return true;
            });
        // the members that were down while the others compacted caught up by InstallSnapshot
        String restartedLogs = cluster.logTail(leader, 100_000) + cluster.logTail(follower, 100_000);
        assertThat(restartedLogs).contains("installed a snapshot");
        String reference = cluster.dump(0);
        for (int i = 1; i < 5; i++) {
          assertThat(cluster.dump(i)).as("database of member " + i).isEqualTo(reference);
        }
        // every acknowledged write is there (on any member; they are identical)
        ProductDbGrpc.ProductDbBlockingStub stub = ProductDbGrpc.newBlockingStub(
            cluster.channels[0]).withDeadlineAfter(30, TimeUnit.SECONDS);
        assertThat(load.created).hasSizeGreaterThan(50);
        for (WriteLoad.Created c : load.created.values()) {
          Item item = stub.getItem(GetItemRequest.newBuilder().setId(c.id()).build());
          assertThat(item.getName()).isEqualTo(c.name());
          assertThat(item.getSellerId()).isEqualTo(c.sellerId());
        }
        for (Map.Entry<dev.marketplace.proto.ItemId, Long> e : load.lastQuantity.entrySet()) {
          Item item = stub.getItem(GetItemRequest.newBuilder().setId(e.getKey()).build());
          assertThat(item.getQuantity()).as("quantity of " + e.getKey()).isEqualTo(e.getValue());
        }
        System.out.printf("five-replica test: %d writes acknowledged, %d failed attempts "
            + "retried%n", load.acked.get(), load.failedAttempts.get());
      } catch (AssertionError | RuntimeException e) {
        for (int i = 0; i < 5; i++) {
          System.err.println("---- replica " + i + " log tail\n" + cluster.logTail(i, 30));
        }
        throw e;
      }
    }
  }

  private static boolean allUp(ReplicaProcesses c) {
    for (int i = 0; i < c.n; i++) {
      if (!c.alive(i) || c.status(i) == null) return false;
    }
    return true;
  }

  private static int liveLeader(ReplicaProcesses c) {
    int[] l = {-1};
    await("a new leader").atMost(STEP).pollInterval(Duration.ofMillis(100)).until(() -> {
      l[0] = c.agreedLeader();
      return l[0] >= 0 && c.alive(l[0]);
    });
    return l[0];
  }

  private static void awaitMoreAcks(WriteLoad load, long more) {
    long target = load.acked.get() + more;
    await("writes acknowledged").atMost(STEP).pollInterval(Duration.ofMillis(50))
        .until(() -> load.acked.get() >= target);
  }

  private static boolean sameAppliedEverywhere(ReplicaProcesses c) {
    long applied = -1;
    for (int i = 0; i < c.n; i++) {
      ReplicaStatus s = c.status(i);
      if (s == null || s.getAppliedIndex() != s.getCommitIndex()) return false;
      if (applied < 0) applied = s.getAppliedIndex();
      else if (applied != s.getAppliedIndex()) return false;
    }
    return applied > 0;
  }
}
