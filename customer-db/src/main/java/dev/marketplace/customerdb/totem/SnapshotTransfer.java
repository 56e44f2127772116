package dev.marketplace.customerdb.totem;

import dev.marketplace.replica.StateMachine;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Totem state transfer over TCP, on the same host:port number as the member's UDP address.
 *
 * <p>Protocol: the server sends a 16-byte random challenge; the client answers
 * HMAC-SHA256(cluster key, "totem-snapshot-v1" || challenge) followed by the lowest position it
 * can use (8 bytes); on a valid answer the server waits (bounded) until its state machine applied
 * that position, writes {@link StateMachine#snapshot} to the connection and closes it; otherwise
 * it closes at once (counted). The wait makes sure a restore never moves a replica backwards. The client hands the stream to {@link StateMachine#restore}. Only members holding the
 * cluster key can read a snapshot; the channel is not encrypted (a trusted network is assumed, as
 * for the UDP datagrams, which are authenticated but not encrypted).
 *
 * <p>Thread-safe: one accept thread, a small pool serving snapshots concurrently.
 */
final class SnapshotTransfer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SnapshotTransfer.class);
  private static final byte[] LABEL = "totem-snapshot-v1".getBytes(StandardCharsets.US_ASCII);
  private static final int CHALLENGE_BYTES = 16;
  private static final int TAG_BYTES = 32;
  private static final int TIMEOUT_MILLIS = 30_000;

  private final ServerSocket server;
  private final StateMachine stateMachine;
  private final byte[] key;
  private final ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "totem-snapshot-serve");
    t.setDaemon(true);
    return t;
  });
  private final Thread acceptThread;
  private final SecureRandom random = new SecureRandom();
  private final AtomicLong served = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile boolean closed;

  SnapshotTransfer(InetSocketAddress bindAddress, StateMachine stateMachine, byte[] key)
      throws IOException {
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(bindAddress);
    this.stateMachine = stateMachine;
    this.key = key.clone();
    this.acceptThread = new Thread(this::acceptLoop, "totem-snapshot-accept");
    acceptThread.setDaemon(true);
    acceptThread.start();
  }

  long served() {
    return served.get();
  }

  long refused() {
    return refused.get();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = server.accept();
        pool.execute(() -> serve(s));
      } catch (IOException e) {
        if (!closed) {
          log.warn("snapshot accept failed", e);
        }
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      s.setSoTimeout(TIMEOUT_MILLIS);
      byte[] challenge = new byte[CHALLENGE_BYTES];
      random.nextBytes(challenge);
      OutputStream raw = s.getOutputStream();
      raw.write(challenge);
      raw.flush();
      DataInputStream din = new DataInputStream(s.getInputStream());
      byte[] answer = din.readNBytes(TAG_BYTES);
      if (answer.length != TAG_BYTES || !MessageDigest.isEqual(answer, tag(key, challenge))) {
        refused.incrementAndGet();
        log.warn("refused a snapshot request from {}: bad authentication",
            s.getRemoteSocketAddress());
        return;
      }
      long minPosition = din.readLong();
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS / 3);
      while (stateMachine.lastApplied() < minPosition) {
        if (System.nanoTime() - deadline > 0 || closed) {
          log.warn("not serving a snapshot: applied {} < requested {}",
              stateMachine.lastApplied(), minPosition);
          return;
        }
        TimeUnit.MILLISECONDS.sleep(10); // pacing while this replica catches up
      }
      try (BufferedOutputStream out = new BufferedOutputStream(raw, 1 << 16)) {
        long pos = stateMachine.snapshot(out);
        out.flush();
        served.incrementAndGet();
        log.info("served a snapshot at position {} to {}", pos, s.getRemoteSocketAddress());
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        log.warn("serving a snapshot failed", e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Fetches the snapshot of the member at {@code address} and restores it into {@code target}.
   *
   * @param minPosition the donor serves a snapshot only once it applied at least this position
   * @return the restored position (the donor's applied position)
   */
  static long fetchInto(InetSocketAddress address, byte[] key, long minPosition,
      StateMachine target) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(address, 2_000);
      s.setSoTimeout(TIMEOUT_MILLIS);
      InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
      byte[] challenge = new DataInputStream(in).readNBytes(CHALLENGE_BYTES);
      if (challenge.length != CHALLENGE_BYTES) {
        throw new IOException("snapshot server closed before the challenge");
      }
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.write(tag(key, challenge));
      out.writeLong(minPosition);
      out.flush();
      return target.restore(in);
    }
  }

  private static byte[] tag(byte[] key, byte[] challenge) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(LABEL);
      return mac.doFinal(challenge);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      log.debug("close failed", e);
    }
    pool.shutdownNow();
    try {
      acceptThread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
