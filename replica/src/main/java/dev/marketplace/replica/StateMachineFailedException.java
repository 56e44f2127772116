package dev.marketplace.replica;

/**
 * Applying commands failed for a reason that is not a business rejection (a database error, a
 * position gap): the replica must stop applying rather than skip a command. Immutable.
 */
public class StateMachineFailedException extends RuntimeException {
  public StateMachineFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
