// The Host check against DNS rebinding, the Origin check that builds on it, and the accept
// loop's backoff (SDK pieces the http source and the websocket sink share).

#include <gtest/gtest.h>

#include "net_support/listen.hpp"
#include "net_support/origin_policy.hpp"
#include "sluice/errors.hpp"

namespace sluice {
namespace {

TEST(HostPolicy, LocalhostNamesAndTheListenAddressPassWithAnyPort) {
  const HostPolicy p("127.0.0.1:5000", {});
  for (const char* h : {"localhost", "localhost:5000", "LOCALHOST:5000", "localhost.:5000", "127.0.0.1",
                        "127.0.0.1:5000", "127.0.0.1:8080", "[::1]", "[::1]:5000", "[0:0::1]:5000"}) {
    EXPECT_TRUE(p.allows(h)) << h;
  }
  const HostPolicy on_lan("192.168.1.10:5000", {});
  EXPECT_TRUE(on_lan.allows("192.168.1.10:5000"));
  EXPECT_FALSE(on_lan.allows("192.168.1.11:5000")) << "another address than the one listened on";
}

TEST(HostPolicy, ARebindingNameIsRefused) {
  const HostPolicy p("127.0.0.1:5000", {});
  for (const char* h : {"evil.example", "evil.example:5000", "localhost.evil.example", "127.0.0.1.evil.example",
                        "10.0.0.1", "127.1", "::1", "[::1", "localhost:", "localhost:abc", "localhost:5000:1", "a b",
                        "local\xffhost", "localhost/x", ":5000"}) {
    EXPECT_FALSE(p.allows(h)) << h;
  }
}

TEST(HostPolicy, AllowedHostsNameAHostWithAnyPortOrOnePort) {
  const HostPolicy p("127.0.0.1:5000", {"clicks.example.com", "api.example.com:443", "[2001:db8::1]"});
  EXPECT_TRUE(p.allows("clicks.example.com"));
  EXPECT_TRUE(p.allows("Clicks.Example.COM:8443"));
  EXPECT_TRUE(p.allows("api.example.com:443"));
  EXPECT_FALSE(p.allows("api.example.com")) << "name:port allows that port only";
  EXPECT_FALSE(p.allows("api.example.com:80"));
  EXPECT_FALSE(p.allows("sub.clicks.example.com"));
  EXPECT_TRUE(p.allows("[2001:db8:0::1]:5000"));
  EXPECT_TRUE(HostPolicy("127.0.0.1:5000", {"*"}).allows("anything.example"));
}

TEST(HostPolicy, OnEveryInterfaceAnyAddressPassesAndNamesMustBeListed) {
  for (const char* listen : {"0.0.0.0:5000", "[::]:5000"}) {
    const HostPolicy p(listen, {"clicks.example.com"});
    EXPECT_TRUE(p.allows("10.1.2.3:5000")) << listen;
    EXPECT_TRUE(p.allows("[2001:db8::7]")) << listen;
    EXPECT_TRUE(p.allows("clicks.example.com")) << listen;
    EXPECT_TRUE(p.allows("localhost:5000")) << listen;
    EXPECT_FALSE(p.allows("evil.example")) << listen;
  }
}

TEST(HostPolicy, ARequestWithoutHostIsNotFromABrowserAndPasses) {
  EXPECT_TRUE(HostPolicy("127.0.0.1:5000", {}).allows(""));
}

TEST(HostPolicy, AMalformedEntryIsAConfigErrorAtAllowedHosts) {
  for (const char* bad : {"https://clicks.example.com", "clicks.example.com/", "clicks.example.com:x", ""}) {
    try {
      HostPolicy("127.0.0.1:5000", {bad});
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.option(), "allowed_hosts") << bad;
    }
  }
}

TEST(OriginPolicy, SameOriginIsSchemePlusTheHostHeaderWithoutCase) {
  const OriginPolicy p({"http://localhost:8000"});
  EXPECT_TRUE(p.allows("", "localhost:5000")) << "no Origin: not a web page";
  EXPECT_TRUE(p.allows("http://localhost:8000", "localhost:5000"));
  EXPECT_TRUE(p.allows("http://localhost:5000", "LocalHost:5000"));
  EXPECT_TRUE(p.allows("https://clicks.example.com", "clicks.example.com"));
  EXPECT_FALSE(p.allows("http://evil.example", "localhost:5000"));
  EXPECT_FALSE(p.allows("http://localhost:5001", "localhost:5000"));
  EXPECT_FALSE(p.allows("null", "")) << "an Origin with no Host to compare is foreign";
}

TEST(AcceptBackoff, StartsAt10msDoublesTo1sAndResetsOnSuccess) {
  using std::chrono::milliseconds;
  AcceptBackoff b;
  std::vector<long> waits;
  for (int i = 0; i < 9; ++i) waits.push_back(b.failed().count());
  EXPECT_EQ(waits, (std::vector<long>{10, 20, 40, 80, 160, 320, 640, 1000, 1000}));
  b.succeeded();
  EXPECT_EQ(b.failed(), milliseconds(10));
}

}  // namespace
}  // namespace sluice
