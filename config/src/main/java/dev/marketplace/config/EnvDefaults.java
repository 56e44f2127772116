package dev.marketplace.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The one place configuration comes from: a picocli default-value provider that fills every option
 * not given on the command line from an environment variable, else from a {@code .env} file, else
 * from the option's own default. An option {@code --pg-url} reads the variable {@code PG_URL}.
 *
 * <p>The {@code .env} file is the one named by the variable {@code MARKETPLACE_ENV_FILE}, else
 * {@code .env} in the working directory when present. Lines are {@code KEY=value}; blank lines and
 * lines starting with {@code #} are ignored; surrounding single or double quotes are removed.
 *
 * <p>Immutable after construction; thread-safe.
 */
public final class EnvDefaults implements CommandLine.IDefaultValueProvider {
  private final Map<String, String> values;

  /** Reads the process environment and the default {@code .env} file. */
  public static EnvDefaults fromEnvironment() {
    return new EnvDefaults(System.getenv());
  }

  /**
   * Runs {@code cl} with the process environment (and its {@code .env} file) as default value
   * provider: what every main does. See {@link #execute(String, CommandLine, Map, String...)}.
   */
  public static int execute(String program, CommandLine cl, String... args) {
    return execute(program, cl, System.getenv(), args);
  }

  /**
   * Runs {@code cl} with {@code env} (and the {@code .env} file it names) as default value
   * provider and returns the exit code. A bad environment ({@code MARKETPLACE_ENV_FILE} naming no
   * file, a malformed {@code .env} line) is exit code 2 with
   * "{@code <program>: configuration error: ...}" on the command's error stream, never a stack
   * trace: it is found before the command's own handlers exist.
   */
  public static int execute(String program, CommandLine cl, Map<String, String> env,
      String... args) {
    EnvDefaults defaults;
    try {
      defaults = new EnvDefaults(env);
    } catch (ConfigException e) {
      cl.getErr().println(program + ": configuration error: " + e.getMessage());
      cl.getErr().flush();
      return 2;
    }
    return cl.setDefaultValueProvider(defaults).execute(args);
  }

  /** Uses {@code env} as the environment (tests), plus the {@code .env} file it names or the default one. */
  public EnvDefaults(Map<String, String> env) {
    Map<String, String> merged = new HashMap<>();
    Path file = Path.of(env.getOrDefault("MARKETPLACE_ENV_FILE", ".env"));
    if (Files.isRegularFile(file)) {
      merged.putAll(readDotEnv(file));
    } else if (env.containsKey("MARKETPLACE_ENV_FILE")) {
      throw new ConfigException("MARKETPLACE_ENV_FILE names " + file + ", which is not a readable file");
    }
    merged.putAll(env);
    this.values = Map.copyOf(merged);
  }

  /** The variable name for an option name: {@code --pg-url} becomes {@code PG_URL}. */
  public static String variableName(String optionName) {
    String stripped = optionName.replaceFirst("^-+", "");
    return stripped.replace('-', '_').toUpperCase(java.util.Locale.ROOT);
  }

  /** The value of a variable, or null. */
  public String get(String variable) {
    return values.get(variable);
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (argSpec instanceof OptionSpec option) {
      String value = values.get(variableName(option.longestName()));
      if (value != null) {
        return value;
      }
    }
    return argSpec.defaultValue();
  }

  /** Parses a {@code .env} file; a malformed line is a {@link ConfigException} naming the line. */
  public static Map<String, String> readDotEnv(Path file) {
    Map<String, String> result = new HashMap<>();
    try {
      int lineNo = 0;
      for (String raw : Files.readAllLines(file)) {
        lineNo++;
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        if (line.startsWith("export ")) {
          line = line.substring("export ".length()).strip();
        }
        int eq = line.indexOf('=');
        if (eq <= 0) {
          throw new ConfigException(file + ":" + lineNo + ": expected KEY=value, got: " + raw);
        }
        String key = line.substring(0, eq).strip();
        String value = line.substring(eq + 1).strip();
        if (value.length() >= 2
            && (value.startsWith("\"") && value.endsWith("\"")
                || value.startsWith("'") && value.endsWith("'"))) {
          value = value.substring(1, value.length() - 1);
        }
        result.put(key, value);
      }
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage());
    }
    return result;
  }
}
