package dev.marketplace.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class CommandResultTest {
  @Test
  void roundTripsOkAndEveryErrorCodeAndMapsItToGrpc() {
    CommandResult ok = CommandResult.decode(CommandResult.ok(new byte[] {7, 0, 9}).encode());
    assertThat(ok.isOk()).isTrue();
    assertThat(ok.payload()).containsExactly(7, 0, 9);
    for (ErrorCode code : ErrorCode.values()) {
      CommandResult r = CommandResult.decode(CommandResult.error(code, "ünïcødé 'x'").encode());
      assertThat(r.isOk()).isFalse();
      assertThat(r.errorCode()).isEqualTo(code);
      assertThat(r.message()).isEqualTo("ünïcødé 'x'");
      assertThat(GrpcErrors.of(r).getStatus().getCode()).isEqualTo(code.grpcCode());
      assertThat(code.grpcCode().name()).isEqualTo(code.name());
    }
    assertThat(GrpcErrors.of(new CommandRejectedException(ErrorCode.NOT_FOUND, "x"))
        .getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(GrpcErrors.of(new IllegalStateException("bug")).getStatus().getCode())
        .isEqualTo(Status.Code.INTERNAL);
    assertThatThrownBy(() -> CommandResult.decode(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CommandResult.decode(new byte[] {99}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
