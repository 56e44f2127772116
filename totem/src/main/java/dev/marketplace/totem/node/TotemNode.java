package dev.marketplace.totem.node;

import dev.marketplace.totem.Delivered;
import dev.marketplace.totem.Outbound;
import dev.marketplace.totem.Ready;
import dev.marketplace.totem.StateTransferNeeded;
import dev.marketplace.totem.TotemConfig;
import dev.marketplace.totem.TotemCore;
import dev.marketplace.totem.TotemStatus;
import dev.marketplace.totem.ViewInstalled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One totem member over real UDP: owns one {@link TotemCore} and runs it on a single event-loop
 * thread. A receive thread reads datagrams from the member's {@link DatagramChannel} and hands
 * them to the loop; a tick timer (the loop's poll deadline) advances the core's logical time;
 * {@link #broadcast} is queued to the loop; after each batch of inputs the loop drains {@link
 * TotemCore#ready()}: datagrams are sent from the same channel (so the source address identifies
 * the member), delivered commands go to {@link Handler#delivered} in order, views and
 * state-transfer requests to the other handler methods.
 *
 * <p>Optional injected loss: each received datagram is dropped with probability {@code lossRate}
 * drawn from a seeded random, before the core sees it, and counted ({@link Counters#injectedDrops}).
 * Garbage datagrams (forged, truncated, foreign cluster) are dropped and counted by the core; see
 * {@link #status()}.
 *
 * <p>Thread-safe: every public method may be called from any thread. Handler methods run on the
 * loop thread and must not block (hand work to another thread).
 */
public final class TotemNode implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(TotemNode.class.getName());

  /** Callbacks from the loop thread. Implementations must return quickly. */
  public interface Handler {
    /** Commands delivered in total order; positions are contiguous across calls. */
    void delivered(List<Delivered> batch);

    /** This member became NORMAL in a new view. */
    default void viewInstalled(ViewInstalled view) {}

    /**
     * This member must copy the state machine of {@code request.from()} and then call {@link
     * TotemNode#installedState(long)}; until then it does not deliver.
     */
    default void stateTransferNeeded(StateTransferNeeded request) {}
  }

  /**
   * Runtime settings. Immutable, thread-safe.
   *
   * @param tickMillis wall-clock length of one core tick
   * @param lossRate probability in [0, 1) of dropping a received datagram (tests, benchmarks)
   * @param lossSeed seed of the loss draw
   * @param socketBufferBytes SO_RCVBUF/SO_SNDBUF requested for the channel
   */
  public record Settings(int tickMillis, double lossRate, long lossSeed, int socketBufferBytes) {
    public Settings {
      if (tickMillis < 1) {
        throw new IllegalArgumentException("tickMillis must be >= 1: " + tickMillis);
      }
      if (!(lossRate >= 0 && lossRate < 1)) {
        throw new IllegalArgumentException("lossRate must be in [0, 1): " + lossRate);
      }
      if (socketBufferBytes < 64 * 1024) {
        throw new IllegalArgumentException("socketBufferBytes must be >= 65536");
      }
    }

    /** 2 ms ticks, no injected loss, 4 MiB socket buffers. */
    public static Settings defaults() {
      return new Settings(DEFAULT_TICK_MILLIS, 0, 1, 4 << 20);
    }

    /** A copy with injected receive loss. */
    public Settings withLoss(double rate, long seed) {
      return new Settings(tickMillis, rate, seed, socketBufferBytes);
    }
  }

  /** Default tick length used with {@link #tunedConfig}. */
  public static final int DEFAULT_TICK_MILLIS = 2;

  /**
   * Runtime-level counters. Immutable, thread-safe.
   *
   * @param received datagrams read from the socket
   * @param injectedDrops datagrams dropped by the injected loss
   * @param unknownSource datagrams from an address that is no member (still given to the core,
   *     which authenticates them; garbage is then counted there)
   * @param sent datagrams sent
   * @param sendErrors sends that failed (I/O error), counted and otherwise ignored like loss
   * @param broadcastsRejected broadcasts refused (too big, backlog full, closed)
   */
  public record Counters(long received, long injectedDrops, long unknownSource, long sent,
      long sendErrors, long broadcastsRejected) {}

  private final TotemConfig config;
  private final List<InetSocketAddress> members;
  private final Map<SocketAddress, Integer> memberByAddress = new HashMap<>();
  private final DatagramChannel channel;
  private final Handler handler;
  private final Settings settings;
  private final TotemCore core;
  private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
  private final Thread loopThread;
  private final Thread receiveThread;
  private final SplittableRandom lossRandom;
  private volatile boolean running = true;
  private volatile TotemStatus status;

  private final AtomicLong received = new AtomicLong();
  private final AtomicLong injectedDrops = new AtomicLong();
  private final AtomicLong unknownSource = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong sendErrors = new AtomicLong();
  private final AtomicLong broadcastsRejected = new AtomicLong();

  private TotemNode(TotemConfig config, List<InetSocketAddress> members, DatagramChannel channel,
      Handler handler, Settings settings, TotemCore core) {
    this.config = config;
    this.members = List.copyOf(members);
    for (int i = 0; i < members.size(); i++) {
      memberByAddress.put(members.get(i), i);
    }
    this.channel = channel;
    this.handler = handler;
    this.settings = settings;
    this.core = core;
    this.lossRandom = new SplittableRandom(settings.lossSeed() * 31 + config.selfId());
    this.status = core.status();
    this.loopThread = new Thread(this::loop, "totem-loop-" + config.selfId());
    this.receiveThread = new Thread(this::receiveLoop, "totem-recv-" + config.selfId());
    loopThread.setDaemon(true);
    receiveThread.setDaemon(true);
  }

  /**
   * A core configuration whose timers suit {@link Settings#defaults()} (2 ms ticks): idle
   * heartbeat every 30 ms (the eager ackers ack at the next tick anyway, so this only paces
   * failure detection and view-change retransmission, and keeps idle traffic at ~130 datagrams/s
   * per member; it was 10 ms = ~400/s, most of the idle cluster's CPU), a silent member suspected
   * after 300 ms, a stuck view change retried after 300 ms, own unordered requests re-sent every
   * 6 ms to members whose piggybacked receive vector shows they lack them (what bounds the p99
   * under loss), and the acks of members that are not eager ackers coalesced over 10 ms
   * ({@code ackTicks} 5). A pure function of its arguments: benchmarks that compare ack policies
   * override {@code ackTicks} on the returned config ({@link TotemConfig#withAckTicks}).
   */
  public static TotemConfig tunedConfig(int memberCount, int selfId, long clusterId,
      byte[] clusterKey) {
    return new TotemConfig(memberCount, selfId, clusterId, clusterKey,
        TotemConfig.DEFAULT_MAX_DATAGRAM, 15, 150, 150, 3, 32, 10_000,
        DEFAULT_ACK_TICKS);
  }

  /** {@code tunedConfig}'s {@code ackTicks}: 5 ticks = 10 ms. */
  public static final int DEFAULT_ACK_TICKS = 5;

  /**
   * Starts a member.
   *
   * @param config the core configuration ({@code memberCount == members.size()})
   * @param members UDP address of every member, indexed by member id
   * @param boundChannel a channel already bound to {@code members.get(selfId)}, or null to bind
   *     one here (tests bind ephemeral ports first, then learn the addresses)
   * @param restartPosition -1 to bootstrap a brand-new cluster ({@link TotemCore#bootstrap});
   *     otherwise the number of commands this member's state machine durably applied ({@link
   *     TotemCore#restart})
   * @param handler callbacks (run on the loop thread)
   * @param settings tick length, injected loss, buffers
   */
  public static TotemNode start(TotemConfig config, List<InetSocketAddress> members,
      DatagramChannel boundChannel, long restartPosition, Handler handler, Settings settings)
      throws IOException {
    Objects.requireNonNull(handler, "handler");
    Objects.requireNonNull(settings, "settings");
    if (members.size() != config.memberCount()) {
      throw new IllegalArgumentException("config has " + config.memberCount()
          + " members but " + members.size() + " addresses were given");
    }
    DatagramChannel ch = boundChannel;
    if (ch == null) {
      ch = bind(members.get(config.selfId()), settings.socketBufferBytes());
    }
    SplittableRandom seed = new SplittableRandom(System.nanoTime() ^ (config.selfId() * 7919L));
    TotemCore core = restartPosition < 0
        ? TotemCore.bootstrap(config, seed)
        : TotemCore.restart(config, seed, restartPosition);
    TotemNode node = new TotemNode(config, members, ch, handler, settings, core);
    node.loopThread.start();
    node.receiveThread.start();
    return node;
  }

  /** Opens a blocking UDP channel bound to {@code address} (port 0: ephemeral). */
  public static DatagramChannel bind(InetSocketAddress address, int bufferBytes)
      throws IOException {
    DatagramChannel ch = DatagramChannel.open();
    try {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, bufferBytes);
      ch.setOption(StandardSocketOptions.SO_SNDBUF, bufferBytes);
      ch.bind(address);
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** This member's id. */
  public int selfId() {
    return config.selfId();
  }

  /** The members' addresses, indexed by member id. */
  public List<InetSocketAddress> members() {
    return members;
  }

  /** The largest command {@link #broadcast} accepts. */
  public int maxCommandBytes() {
    return config.maxCommandBytes();
  }

  /**
   * Queues {@code command} for the total order. The future completes with the command's local
   * sequence number once the core accepted it, or fails with {@link IllegalArgumentException}
   * (too big), {@link IllegalStateException} (backlog full or node closed). Acceptance is not
   * delivery: watch {@link Handler#delivered}.
   */
  public CompletableFuture<Long> broadcast(byte[] command) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    if (command == null || command.length > config.maxCommandBytes()) {
      broadcastsRejected.incrementAndGet();
      f.completeExceptionally(new IllegalArgumentException(command == null ? "null command"
          : "command of " + command.length + " bytes exceeds " + config.maxCommandBytes()));
      return f;
    }
    byte[] copy = command.clone();
    if (!enqueue(new BroadcastTask(copy, f))) {
      broadcastsRejected.incrementAndGet();
      f.completeExceptionally(new IllegalStateException("totem node " + selfId() + " closed"));
    }
    return f;
  }

  /**
   * Tells the core that the state machine now holds exactly the first {@code position} commands
   * after a state transfer (see {@link Handler#stateTransferNeeded}).
   */
  public void installedState(long position) {
    enqueue(() -> {
      if (!core.installedState(position)) {
        LOG.warning("member " + selfId() + ": installedState(" + position
            + ") ignored (behind the core's delivered position)");
      }
    });
  }

  /**
   * Tells the core that a requested state transfer could not be completed (no donor answered);
   * it goes back to fetching and may ask again.
   */
  public void stateTransferFailed() {
    enqueue(core::stateTransferFailed);
  }

  /** The core's status as of the end of the loop's last iteration (never blocks). */
  public TotemStatus status() {
    return status;
  }

  /** Runtime counters. */
  public Counters counters() {
    return new Counters(received.get(), injectedDrops.get(), unknownSource.get(), sent.get(),
        sendErrors.get(), broadcastsRejected.get());
  }

  /** The channel's bound address. */
  public InetSocketAddress localAddress() throws IOException {
    return (InetSocketAddress) channel.getLocalAddress();
  }

  private boolean enqueue(Runnable r) {
    if (!running) {
      return false;
    }
    inbox.add(r);
    if (!running) { // raced with close: the loop may be gone
      failQueued();
    }
    return true;
  }

  /** A queued broadcast, so that close can fail it instead of leaving its future pending. */
  private final class BroadcastTask implements Runnable {
    private final byte[] command;
    private final CompletableFuture<Long> future;

    BroadcastTask(byte[] command, CompletableFuture<Long> future) {
      this.command = command;
      this.future = future;
    }

    @Override
    public void run() {
      try {
        future.complete(core.broadcast(command));
      } catch (RuntimeException e) {
        broadcastsRejected.incrementAndGet();
        future.completeExceptionally(e);
      }
    }

    void fail() {
      broadcastsRejected.incrementAndGet();
      future.completeExceptionally(
          new IllegalStateException("totem node " + selfId() + " closed"));
    }
  }

  private void failQueued() {
    List<Runnable> rest = new ArrayList<>();
    inbox.drainTo(rest);
    for (Runnable r : rest) {
      if (r instanceof BroadcastTask b) {
        b.fail();
      }
    }
  }

  // ------------------------------------------------------------------------------- threads

  private void receiveLoop() {
    ByteBuffer buf = ByteBuffer.allocate(65_536);
    while (running) {
      SocketAddress from;
      try {
        buf.clear();
        from = channel.receive(buf);
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (!running) {
          return;
        }
        LOG.log(Level.FINE, "receive failed", e);
        continue;
      }
      if (from == null) {
        continue;
      }
      received.incrementAndGet();
      if (settings.lossRate() > 0 && lossRandom.nextDouble() < settings.lossRate()) {
        injectedDrops.incrementAndGet();
        continue;
      }
      buf.flip();
      byte[] bytes = new byte[buf.remaining()];
      buf.get(bytes);
      Integer id = memberByAddress.get(from);
      if (id == null) {
        unknownSource.incrementAndGet();
      }
      int sender = id == null ? -1 : id;
      inbox.add(() -> core.receive(sender, bytes));
    }
  }

  private void loop() {
    long tickNanos = TimeUnit.MILLISECONDS.toNanos(settings.tickMillis());
    long nextTick = System.nanoTime() + tickNanos;
    List<Runnable> batch = new ArrayList<>(256);
    try {
      while (running) {
        // While the core is quiescent, sleep until the next tick that can matter (a heartbeat
        // or a suspicion) unless an input comes first, then run the ticks owed in a row: an
        // idle member no longer wakes every tick.
        long deadline = nextTick + (core.ticksUntilDue() - 1) * tickNanos;
        long wait = deadline - System.nanoTime();
        Runnable first = wait > 0 ? inbox.poll(wait, TimeUnit.NANOSECONDS) : inbox.poll();
        if (first != null) {
          first.run();
          batch.clear();
          inbox.drainTo(batch, 1024);
          for (Runnable r : batch) {
            r.run();
          }
        }
        long now = System.nanoTime();
        if (now - nextTick > 50 * tickNanos) { // stalled (GC, busy machine): do not burst
          core.tick();
          nextTick = now + tickNanos;
        }
        while (now - nextTick >= 0) { // at most ticksUntilDue() ticks (<= heartbeat interval)
          core.tick();
          nextTick += tickNanos;
        }
        process(core.ready());
        status = core.status();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      LOG.log(Level.SEVERE, "totem loop of member " + selfId() + " failed; node stops", e);
      running = false;
      closeChannel();
    } finally {
      failQueued();
    }
  }

  private void process(Ready r) {
    if (r.isEmpty()) {
      return;
    }
    for (Outbound o : r.datagrams()) {
      if (o.toAll()) {
        for (int m = 0; m < members.size(); m++) {
          if (m != config.selfId()) {
            send(m, o.bytes());
          }
        }
      } else {
        send(o.to(), o.bytes());
      }
    }
    if (!r.delivered().isEmpty()) {
      callback(() -> handler.delivered(r.delivered()));
    }
    for (ViewInstalled v : r.views()) {
      callback(() -> handler.viewInstalled(v));
    }
    if (r.stateTransfer() != null) {
      callback(() -> handler.stateTransferNeeded(r.stateTransfer()));
    }
  }

  private void callback(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "totem handler of member " + selfId() + " threw", e);
    }
  }

  private void send(int member, byte[] bytes) {
    if (member < 0 || member >= members.size()) {
      return;
    }
    try {
      channel.send(ByteBuffer.wrap(bytes), members.get(member));
      sent.incrementAndGet();
    } catch (IOException e) {
      sendErrors.incrementAndGet();
    }
  }

  private void closeChannel() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.log(Level.FINE, "close failed", e);
    }
  }

  /** Stops the loop and receive threads and closes the channel; pending broadcasts are lost. */
  @Override
  public void close() {
    running = false;
    closeChannel();
    loopThread.interrupt();
    for (Thread t : List.of(loopThread, receiveThread)) {
      if (t != Thread.currentThread()) {
        try {
          t.join(5_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
