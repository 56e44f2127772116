package dev.marketplace.rest;

import java.util.List;

/**
 * Thrown by handlers and helpers to end a request with a problem response; rendered by
 * {@link ErrorMapping}. Immutable.
 */
public final class ProblemException extends RuntimeException {
  private final transient Problem problem;

  public ProblemException(Problem problem) {
    super(problem.status() + " " + problem.detail(), null, false, false);
    this.problem = problem;
  }

  /** 400 for the given field errors. */
  public static ProblemException validation(List<FieldError> errors) {
    return new ProblemException(Problem.validation(errors));
  }

  /** 400 for one invalid field. */
  public static ProblemException invalid(String field, String message) {
    return validation(List.of(new FieldError(field, message)));
  }

  public Problem problem() {
    return problem;
  }
}
