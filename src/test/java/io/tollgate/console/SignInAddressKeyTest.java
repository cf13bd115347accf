package io.tollgate.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * The per-address sign-in lock counts an IPv6 client by its /64 network: one host usually holds a whole /64, and
 * counting each of its addresses apart would give it a fresh count per guess.
 */
class SignInAddressKeyTest {
  @Test
  void ipv6AddressesOfOneNetworkShareOneCount() {
    assertThat(SignInThrottle.addressKey("2001:db8:1:2::1")).isEqualTo(SignInThrottle.addressKey("2001:db8:1:2:ffff:1:2:3"))
        .isEqualTo("network 2001:db8:1:2:0:0:0:0/64");
    assertThat(SignInThrottle.addressKey("2001:db8:1:3::1")).isNotEqualTo(SignInThrottle.addressKey("2001:db8:1:2::1"));
    assertThat(SignInThrottle.addressKey("fe80::1%eth0")).isEqualTo("network fe80:0:0:0:0:0:0:0/64");
  }

  @Test
  void ipv4AddressesCountApartAndAMappedOneCountsAsItsIpv4() {
    assertThat(SignInThrottle.addressKey("192.0.2.7")).isEqualTo("address 192.0.2.7");
    assertThat(SignInThrottle.addressKey("192.0.2.8")).isNotEqualTo(SignInThrottle.addressKey("192.0.2.7"));
    assertThat(SignInThrottle.addressKey("::ffff:192.0.2.7")).isEqualTo("address 192.0.2.7");
  }

  @Test
  void guessesFromManyAddressesOfOneNetworkLockIt() {
    SignInThrottle addresses = new SignInThrottle(Clock.fixed(Instant.parse("2026-12-03T00:00:00Z"), ZoneOffset.UTC),
        SignInThrottle.MAX_FAILURES_PER_ADDRESS);
    for (int i = 1; i <= SignInThrottle.MAX_FAILURES_PER_ADDRESS; i++) {
      assertThat(addresses.attempt(SignInThrottle.addressKey("2001:db8:1:2::" + Integer.toHexString(i)))).as("guess %d", i)
          .isZero();
    }
    assertThat(addresses.attempt(SignInThrottle.addressKey("2001:db8:1:2::abcd"))).as("another address of the network")
        .isPositive();
    assertThat(addresses.attempt(SignInThrottle.addressKey("2001:db8:9:9::1"))).as("another network").isZero();
  }
}
