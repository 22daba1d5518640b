// The per-client token bucket, the bounded client table, and who the client is behind a proxy.

#include <gtest/gtest.h>

#include "rate_limiter.hpp"
#include "sluice/errors.hpp"

namespace sluice::http {
namespace {

using Clock = ClientRateLimiter::Clock;
using namespace std::chrono_literals;

TEST(ClientRateLimiter, ABucketRefillsAtTheRateUpToTheBurst) {
  ClientRateLimiter limiter(2, 4, 100);
  const auto t = Clock::time_point{} + 100s;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(limiter.take("a", 1, t)) << i;
  const auto wait = limiter.take("a", 1, t);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1s);
  EXPECT_FALSE(limiter.take("a", 1, t + 500ms)) << "2 a second: one token after half a second";
  EXPECT_TRUE(limiter.take("a", 1, t + 600ms));
  EXPECT_FALSE(limiter.take("b", 1, t)) << "another client has its own bucket";
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(limiter.take("a", 1, t + 1h)) << "refilled, to the burst only";
  EXPECT_TRUE(limiter.take("a", 1, t + 1h));
}

TEST(ClientRateLimiter, EventsAreCountedAndABatchOverTheBurstPassesOnlyFromAFullBucket) {
  ClientRateLimiter limiter(10, 100, 100);
  const auto t = Clock::time_point{} + 100s;
  EXPECT_FALSE(limiter.take("a", 1000, t)) << "a full bucket takes a batch larger than the burst";
  const auto wait = limiter.take("a", 1, t + 1s);
  ASSERT_TRUE(wait) << "and the client then waits as long as the batch took";
  EXPECT_EQ(*wait, 90s);
  EXPECT_FALSE(limiter.take("a", 1, t + 91s));
  EXPECT_TRUE(ClientRateLimiter(0, 1, 1).take("a", 1e9, t) == std::nullopt) << "rate 0: no limit";
}

TEST(ClientRateLimiter, TheClientTableIsBoundedAndForgetsTheLeastRecent) {
  ClientRateLimiter limiter(1, 1, 3);
  const auto t = Clock::time_point{} + 100s;
  for (int i = 0; i < 1000; ++i) limiter.take("c" + std::to_string(i), 1, t);
  EXPECT_EQ(limiter.clients(), 3u);
  EXPECT_TRUE(limiter.take("c999", 1, t)) << "a recent client is still counted";
}

TEST(ClientKey, ThePeerUnlessItIsATrustedProxy) {
  const TrustedProxies none({});
  EXPECT_EQ(client_key("203.0.113.5", "1.2.3.4", none), "203.0.113.5") << "X-Forwarded-For from anyone is ignored";
  const TrustedProxies proxies({"10.0.0.0/8", "127.0.0.1", "fd00::/8"});
  EXPECT_EQ(client_key("10.1.2.3", "203.0.113.7", proxies), "203.0.113.7");
  EXPECT_EQ(client_key("10.1.2.3", "6.6.6.6, 203.0.113.7", proxies), "203.0.113.7")
      << "the client's own entry is not believed";
  EXPECT_EQ(client_key("10.1.2.3", "6.6.6.6, 203.0.113.7, 10.9.9.9", proxies), "203.0.113.7") << "proxies skipped";
  EXPECT_EQ(client_key("10.1.2.3", "", proxies), "10.1.2.3");
  EXPECT_EQ(client_key("10.1.2.3", "garbage", proxies), "10.1.2.3");
  EXPECT_EQ(client_key("::ffff:10.1.2.3", "203.0.113.7", proxies), "203.0.113.7") << "IPv4-mapped peer";
  EXPECT_EQ(client_key("2001:db8:1:2:3:4:5:6", "", none), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key("2001:db8:1:2:ffff::1", "", none), "2001:db8:1:2::/64") << "one /64, one client";
}

TEST(TrustedProxies, AMalformedEntryIsAConfigError) {
  for (const char* bad : {"10.0.0.0/33", "proxy.example", "10.0.0.0/", "::/129", "1.2.3.4/x"}) {
    try {
      TrustedProxies p({bad});
      ADD_FAILURE() << bad;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.option(), "trusted_proxies");
    }
  }
}

}  // namespace
}  // namespace sluice::http
