package dev.marketplace.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** The {@code shell} subcommand of both clients: starts the interactive {@link Shell}. */
@Command(
    name = "shell",
    description = "Interactive mode: a numbered menu plus typed commands, read line by line.",
    footerHeading = "%nExamples:%n",
    footer = {
      "  printf 'login --username ann --password secret1\\nmy-items\\nquit\\n' | <client> shell",
      "  Inside: type a menu number to be asked for each value, 'menu', 'help <command>',"
          + " 'quit'."
    })
public final class ShellCommand implements Callable<Integer> {
  @ParentCommand ClientRoot root;

  @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  @Override
  public Integer call() {
    return root.runShell();
  }
}
