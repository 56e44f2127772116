package dev.marketplace.rest;

/**
 * One validation failure of a request: the JSON field (or query/path parameter or header) and
 * what is wrong with it. Serialised inside a problem's {@code errors} array. Immutable.
 */
public record FieldError(String field, String message) {}
