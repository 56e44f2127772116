package dev.marketplace.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.random.RandomGenerator;

/** Test helper: runs a client's {@code run(args, ctx)} with captured streams. Not thread-safe. */
public final class CliHarness {
  /** Signature of {@code SellerClientMain.run(String[], CliContext)}. */
  @FunctionalInterface
  public interface Runner {
    int run(String[] args, CliContext ctx);
  }

  /** Outcome of one run. */
  public record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit=" + exitCode + "\n--- out ---\n" + out + "--- err ---\n" + err;
    }
  }

  /** Always picks the first server. */
  public static final RandomGenerator FIRST = () -> 0L;

  private final Runner runner;
  private final Map<String, String> env;

  public CliHarness(Runner runner, Map<String, String> env) {
    this.runner = runner;
    this.env = Map.copyOf(env);
  }

  public Result run(String... args) {
    return runWithInput("", args);
  }

  public Result runWithInput(String input, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    CliContext ctx = CliContext.of(o, e,
        new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), env, FIRST);
    int code = runner.run(args, ctx);
    o.flush();
    e.flush();
    return new Result(code, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }
}
