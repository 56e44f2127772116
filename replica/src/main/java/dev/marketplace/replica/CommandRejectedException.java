package dev.marketplace.replica;

/**
 * A business rejection (not enough stock, username taken, not the owner, bad input, ...): thrown by
 * validation or by a {@link CommandHandler}, it becomes an error {@link CommandResult}, never a
 * failed transaction. Immutable.
 */
public class CommandRejectedException extends Exception {
  private final ErrorCode code;

  public CommandRejectedException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** The error code. */
  public ErrorCode code() {
    return code;
  }

  /** This rejection as a result. */
  public CommandResult toResult() {
    return CommandResult.error(code, getMessage());
  }
}
