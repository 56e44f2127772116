package dev.marketplace.payment;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Manual benchmark (not a test): latency and rate of {@link PaymentClient#authorize} against a
 * real local {@link PaymentServer}, at 1, 8 and 32 calling threads. Run with
 * {@code java -cp <test classpath> dev.marketplace.payment.PaymentClientLatencyBench}. Not
 * thread-safe; one run per process.
 */
public final class PaymentClientLatencyBench {
  private PaymentClientLatencyBench() {}

  public static void main(String[] args) throws Exception {
    int serverThreads = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    PaymentAuthorizer authorizer = new PaymentAuthorizer(0.9, new Random(1), Clock.systemUTC(),
        100_000);
    try (PaymentServer server = PaymentServer.start("127.0.0.1", 0, authorizer, serverThreads);
        PaymentClient client = new PaymentClient(server.url(), Duration.ofSeconds(5))) {
      AtomicLong ref = new AtomicLong();
      for (int threads : new int[] {1, 1, 8, 32}) {
        int per = Math.max(50, 400 / threads);
        long[][] lat = new long[threads][per];
        CountDownLatch done = new CountDownLatch(threads);
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
          int tt = t;
          new Thread(() -> {
            for (int i = 0; i < per; i++) {
              long s = System.nanoTime();
              client.authorize("A Buyer", "4111111111111111", "12/40", "123", 1234,
                  "ref-" + ref.incrementAndGet());
              lat[tt][i] = System.nanoTime() - s;
            }
            done.countDown();
          }).start();
        }
        done.await();
        double secs = (System.nanoTime() - start) / 1e9;
        long[] all = Arrays.stream(lat).flatMapToLong(Arrays::stream).sorted().toArray();
        System.out.printf("threads=%d calls=%d rate=%.0f/s p50=%.2fms p99=%.2fms%n", threads,
            all.length, all.length / secs, all[all.length / 2] / 1e6,
            all[(int) (all.length * 0.99)] / 1e6);
      }
    }
  }
}
