package dev.marketplace.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * What one client run talks to: output and error streams, one shared line reader over the input
 * (used by the shell and by prompts, so piped input is consumed in order), the environment the
 * configuration is read from, the random source that picks the first server, and the terminal
 * when input really comes from one (for password prompts without echo). Not thread-safe: one per
 * run, used by its one thread.
 */
public final class CliContext {
  private final PrintStream out;
  private final PrintStream err;
  private final BufferedReader in;
  private final Map<String, String> env;
  private final RandomGenerator serverChooser;
  private final Console console;

  public CliContext(PrintStream out, PrintStream err, InputStream in, Map<String, String> env,
      RandomGenerator serverChooser, Console console) {
    this.out = out;
    this.err = err;
    this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    this.env = Map.copyOf(env);
    this.serverChooser = serverChooser;
    this.console = console;
  }

  /** A context for tests and embedding: no terminal, the given environment. */
  public static CliContext of(PrintStream out, PrintStream err, InputStream in,
      Map<String, String> env, RandomGenerator serverChooser) {
    return new CliContext(out, err, in, env, serverChooser, null);
  }

  /** The real process: {@code System.*}, the process environment, a random first server. */
  public static CliContext system() {
    return new CliContext(System.out, System.err, System.in, System.getenv(),
        new SplittableRandom(), System.console());
  }

  public PrintStream out() {
    return out;
  }

  public PrintStream err() {
    return err;
  }

  public Map<String, String> env() {
    return env;
  }

  public RandomGenerator serverChooser() {
    return serverChooser;
  }

  /** Whether input is an interactive terminal. */
  public boolean interactive() {
    return console != null;
  }

  /** Next input line without its terminator, or null at end of input. */
  public String readLine() {
    try {
      return in.readLine();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Asks for a value on stderr and reads one line; {@code secret} values are read without echo
   * when input is a terminal. Null at end of input.
   */
  public String prompt(String label, boolean secret) {
    if (secret && console != null) {
      char[] chars = console.readPassword("%s: ", label);
      return chars == null ? null : new String(chars);
    }
    err.print(label + ": ");
    err.flush();
    return readLine();
  }
}
