package dev.marketplace.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OperationMixTest {
  @Test
  void parsesWeightsAndFormatsThemBack() {
    OperationMix mix = OperationMix.parse(" search=30, get=30,price=10,cart=20,purchase=10 ");
    assertThat(mix.total()).isEqualTo(100);
    assertThat(mix.weights()).containsOnly(Map.entry(Action.SEARCH, 30),
        Map.entry(Action.GET, 30), Map.entry(Action.PRICE, 10), Map.entry(Action.CART, 20),
        Map.entry(Action.PURCHASE, 10));
    assertThat(mix.toString()).isEqualTo("search=30,get=30,price=10,cart=20,purchase=10");
  }

  @Test
  void everyDrawMapsToAnActionInProportionToItsWeight() {
    OperationMix mix = OperationMix.parse("purchase=1,search=3,price=0");
    EnumMap<Action, Integer> counts = new EnumMap<>(Action.class);
    for (int r = 0; r < mix.total(); r++) {
      counts.merge(mix.at(r), 1, Integer::sum);
    }
    assertThat(counts).containsOnly(Map.entry(Action.SEARCH, 3), Map.entry(Action.PURCHASE, 1));
    assertThatThrownBy(() -> mix.at(4)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> mix.at(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void seededPicksFollowTheWeightsAndNeverPickAZeroWeight() {
    OperationMix mix = OperationMix.parse("get=9,cart=1,price=0");
    SplittableRandom random = new SplittableRandom(7);
    EnumMap<Action, Integer> counts = new EnumMap<>(Action.class);
    for (int i = 0; i < 10_000; i++) {
      counts.merge(mix.pick(random), 1, Integer::sum);
    }
    assertThat(counts.keySet()).containsExactlyInAnyOrder(Action.GET, Action.CART);
    assertThat(counts.get(Action.CART)).isBetween(800, 1200);
  }

  @Test
  void onlyMixAlwaysPicksThatAction() {
    OperationMix mix = OperationMix.only(Action.PRICE);
    assertThat(mix.pick(new SplittableRandom(1))).isEqualTo(Action.PRICE);
    assertThat(mix.toString()).isEqualTo("price=1");
  }

  @Test
  void rejectsBadMixesWithAMessageNamingThePart() {
    assertThatThrownBy(() -> OperationMix.parse("browse=3"))
        .hasMessageContaining("unknown action 'browse'");
    assertThatThrownBy(() -> OperationMix.parse("get=-1"))
        .hasMessageContaining("must be 0..1000000, got -1");
    assertThatThrownBy(() -> OperationMix.parse("get"))
        .hasMessageContaining("expected name=weight, got 'get'");
    assertThatThrownBy(() -> OperationMix.parse("get=x"))
        .hasMessageContaining("not an integer in 'get=x'");
    assertThatThrownBy(() -> OperationMix.parse("get=1,GET=2"))
        .hasMessageContaining("appears twice");
    assertThatThrownBy(() -> OperationMix.parse("get=0,cart=0"))
        .hasMessageContaining("at least one positive weight");
    assertThatThrownBy(() -> OperationMix.parse(" "))
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> OperationMix.parse("get=2147483647,cart=1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2147483647");
  }
}
