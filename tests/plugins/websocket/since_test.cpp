// `?since=EPOCH:SEQ` is parsed strictly: exactly one parameter named `since`, a 16-digit lowercase
// hex epoch, a decimal uint64 with nothing around it. Anything else is no since.

#include <gtest/gtest.h>

#include "since.hpp"

namespace sluice::websocket {
namespace {

const std::string kEpoch = "0123456789abcdef";

TEST(WebSocketSince, AcceptsTheFormTheDashboardSends) {
  const auto since = parse_since("/?since=" + kEpoch + ":42");
  ASSERT_TRUE(since.has_value());
  EXPECT_EQ(since->first, kEpoch);
  EXPECT_EQ(since->second, 42u);
  EXPECT_EQ(parse_since("/ws?a=1&since=" + kEpoch + ":0&b=2"), (Since{kEpoch, 0}));
  EXPECT_EQ(parse_since("/?since=" + kEpoch + ":18446744073709551615"), (Since{kEpoch, UINT64_MAX}));
}

TEST(WebSocketSince, RefusesEverythingElse) {
  const std::vector<std::string> refused = {
      "/",
      "/since=" + kEpoch + ":1",    // a path, not a query
      "/?xsince=" + kEpoch + ":1",  // another parameter's name
      "/?sincex=" + kEpoch + ":1",
      "/?since",
      "/?since=",
      "/?since=" + kEpoch,  // no seq
      "/?since=" + kEpoch + ":",
      "/?since=" + kEpoch + ":-1",  // a sign
      "/?since=" + kEpoch + ":+1",
      "/?since=" + kEpoch + ": 1",
      "/?since=" + kEpoch + ":1x",   // trailing junk
      "/?since=" + kEpoch + ":007",  // a leading zero (found by the since fuzz target)
      "/?since=" + kEpoch + ":1:2",
      "/?since=" + kEpoch + ":18446744073709551616",   // overflow
      "/?since=" + kEpoch + ":000000000000000000001",  // more than 20 digits
      "/?since=0123456789ABCDEF:1",                    // not the hub's format
      "/?since=0123456789abcde:1",                     // 15 digits
      "/?since=0123456789abcdef0:1",                   // 17 digits
      "/?since=0123456789abcdeg:1",
      "/?since=" + kEpoch + "%3A1",                       // percent-encoded colon
      "/?since=" + kEpoch + ":1&since=" + kEpoch + ":2",  // twice
      std::string("/?since=") + std::string(16, '\0') + ":1",
  };
  for (const auto& target : refused) EXPECT_FALSE(parse_since(target).has_value()) << target;
}

}  // namespace
}  // namespace sluice::websocket
