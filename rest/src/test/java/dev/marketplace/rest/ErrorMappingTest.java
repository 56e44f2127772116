package dev.marketplace.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class ErrorMappingTest {
  private static Problem map(Status s) {
    return ErrorMapping.fromGrpc(s.withDescription("why").asRuntimeException());
  }

  @Test
  void grpcStatusesMapToHttp() {
    assertThat(map(Status.INVALID_ARGUMENT).status()).isEqualTo(400);
    assertThat(map(Status.UNAUTHENTICATED).status()).isEqualTo(401);
    assertThat(map(Status.UNAUTHENTICATED).headers()).containsEntry("WWW-Authenticate", "Bearer");
    assertThat(map(Status.PERMISSION_DENIED).status()).isEqualTo(403);
    assertThat(map(Status.NOT_FOUND).status()).isEqualTo(404);
    assertThat(map(Status.ALREADY_EXISTS).status()).isEqualTo(409);
    assertThat(map(Status.FAILED_PRECONDITION).status()).isEqualTo(409);
    assertThat(map(Status.ABORTED).status()).isEqualTo(409);
    assertThat(map(Status.UNAVAILABLE).status()).isEqualTo(503);
    assertThat(map(Status.UNAVAILABLE).headers()).containsEntry("Retry-After", "1");
    assertThat(map(Status.DEADLINE_EXCEEDED).status()).isEqualTo(503);
    assertThat(map(Status.INTERNAL).status()).isEqualTo(500);
    assertThat(map(Status.INTERNAL).detail()).doesNotContain("why");
    assertThat(map(Status.NOT_FOUND).detail()).isEqualTo("why");
  }

  @Test
  void problemBodyHasRfc9457Fields() {
    Problem p = Problem.validation(java.util.List.of(new FieldError("name", "is required")));
    assertThat(p.body()).containsKeys("type", "title", "status", "detail", "errors");
    assertThat(p.body().get("status")).isEqualTo(400);
    assertThat(Problem.notFound("x").body()).doesNotContainKey("errors");
  }
}
