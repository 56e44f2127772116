package dev.marketplace.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The interactive mode: a numbered menu of the client's subcommands, like the original
 * menu-driven terminal client, plus typed commands with the same syntax as on the command line.
 * Both run the very same picocli subcommand objects; a menu choice only asks for the
 * subcommand's options and parameters one by one and then executes it as if typed.
 *
 * <p>Reads lines from the run's input until end of input, {@code quit}, {@code exit} or
 * {@code 0}, so it can be driven by a pipe. A failing command prints its error and the shell goes
 * on. The shell's exit code is the last command's. Not thread-safe.
 */
public final class Shell {
  private final CliContext ctx;
  private final CommandLine root;
  private final String prompt;
  private final String title;
  private final List<String> menu = new ArrayList<>();

  public Shell(CliContext ctx, CommandLine root, String prompt, String title) {
    this.ctx = ctx;
    this.root = root;
    this.prompt = prompt;
    this.title = title;
    for (String name : root.getSubcommands().keySet()) {
      if (!name.equals("shell") && !name.equals("help")) {
        menu.add(name);
      }
    }
  }

  /** Runs until end of input or quit; returns the last command's exit code. */
  public int run() {
    printMenu();
    int last = ExitCodes.OK;
    while (true) {
      ctx.out().print(prompt);
      ctx.out().flush();
      String line = ctx.readLine();
      if (line == null) {
        ctx.out().println();
        break;
      }
      line = line.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.equals("quit") || line.equals("exit") || line.equals("0")) {
        break;
      }
      if (line.equals("menu") || line.equals("?")) {
        printMenu();
        continue;
      }
      List<String> words;
      try {
        words = tokenize(line);
      } catch (IllegalArgumentException e) {
        ctx.err().println("error: " + e.getMessage());
        last = ExitCodes.USAGE;
        continue;
      }
      if (line.matches("\\d+")) {
        int choice = Integer.parseInt(line);
        if (choice < 1 || choice > menu.size()) {
          ctx.err().println("error: no menu entry " + choice + "; type 'menu' to see them");
          last = ExitCodes.USAGE;
          continue;
        }
        List<String> args = askFor(root.getSubcommands().get(menu.get(choice - 1)));
        if (args == null) {
          break; // end of input while asking
        }
        words = args;
      }
      last = execute(words);
    }
    ctx.out().flush();
    return last;
  }

  private int execute(List<String> words) {
    String name = words.get(0);
    List<String> rest = words.subList(1, words.size());
    if (name.equals("help")) {
      CommandLine target = rest.isEmpty() ? root : root.getSubcommands().get(rest.get(0));
      if (target == null) {
        ctx.err().println("error: unknown command '" + rest.get(0) + "'");
        return ExitCodes.USAGE;
      }
      target.usage(ctx.out());
      return ExitCodes.OK;
    }
    if (name.equals("shell")) {
      ctx.err().println("error: already in the shell");
      return ExitCodes.USAGE;
    }
    CommandLine sub = root.getSubcommands().get(name);
    if (sub == null) {
      ctx.err().println("error: unknown command '" + name + "'; type 'menu' or 'help'");
      return ExitCodes.USAGE;
    }
    int code = sub.execute(rest.toArray(new String[0]));
    ctx.out().flush();
    ctx.err().flush();
    return code;
  }

  private void printMenu() {
    ctx.out().println(title);
    for (int i = 0; i < menu.size(); i++) {
      CommandSpec spec = root.getSubcommands().get(menu.get(i)).getCommandSpec();
      String[] desc = spec.usageMessage().description();
      String text = desc.length == 0 ? "" : desc[0];
      ctx.out().printf("%3d) %-15s %s%n", i + 1, menu.get(i), text);
    }
    ctx.out().printf("%3d) %-15s %s%n", 0, "quit", "Leave the shell.");
    ctx.out().println("Type a number, or a command with its options (e.g. 'help login').");
    ctx.out().flush();
  }

  /**
   * Asks for each option and parameter of a subcommand; empty answers skip optional ones.
   * Options marked {@link #SECRET} are left to the command, which asks without echo.
   * Null at end of input.
   */
  private List<String> askFor(CommandLine sub) {
    CommandSpec spec = sub.getCommandSpec();
    List<String> args = new ArrayList<>();
    args.add(spec.name());
    for (OptionSpec o : spec.options()) {
      if (o.usageHelp() || o.versionHelp() || o.hidden() || o.longestName().equals("--json")
          || SECRET.equals(o.descriptionKey()) || o.typeInfo().isBoolean()) {
        continue;
      }
      String answer = ask(o.longestName().replaceFirst("^-+", ""), o.required(),
          o.description().length == 0 ? "" : o.description()[0]);
      if (answer == null) {
        return null;
      }
      if (!answer.isEmpty()) {
        args.add(o.longestName());
        args.add(answer);
      }
    }
    for (PositionalParamSpec p : spec.positionalParameters()) {
      if (p.hidden()) {
        continue;
      }
      String label = p.paramLabel().replaceAll("[<>]", "").toLowerCase(java.util.Locale.ROOT);
      String answer = ask(label, p.required(),
          p.description().length == 0 ? "" : p.description()[0]);
      if (answer == null) {
        return null;
      }
      if (!answer.isEmpty()) {
        args.add(answer);
      }
    }
    return args;
  }

  private String ask(String label, boolean required, String description) {
    List<String> notes = new ArrayList<>();
    String d = description.strip();
    if (d.endsWith(".")) {
      d = d.substring(0, d.length() - 1);
    }
    if (!d.isEmpty()) {
      notes.add(d);
    }
    if (!required) {
      notes.add("optional");
    }
    ctx.out().print("  " + label + (notes.isEmpty() ? "" : " (" + String.join(", ", notes) + ")")
        + ": ");
    ctx.out().flush();
    String line = ctx.readLine();
    return line == null ? null : line.strip();
  }

  /**
   * Marker for {@code @Option(descriptionKey = Shell.SECRET)}: the menu does not ask for it; the
   * command prompts itself (without echo on a terminal).
   */
  public static final String SECRET = "shell.secret";

  /**
   * Splits a line into words like a POSIX shell would for simple cases: whitespace separates,
   * single and double quotes group, backslash escapes the next character (not inside single
   * quotes). An unterminated quote is an {@link IllegalArgumentException}.
   */
  public static List<String> tokenize(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote == '\'') {
        if (c == '\'') {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\\' && i + 1 < line.length()) {
        word.append(line.charAt(++i));
        inWord = true;
      } else if (quote == '"') {
        if (c == '"') {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unterminated " + quote + " quote");
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }

  /** For tests: the menu's command names in order. */
  List<String> menu() {
    return List.copyOf(menu);
  }

  static Map<String, CommandLine> subcommands(CommandLine root) {
    return root.getSubcommands();
  }
}
