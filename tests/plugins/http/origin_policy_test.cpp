// The Origin check (plugins/common/net_support/origin_policy.hpp) on its own, as the http source's
// `cors_origins` and the websocket sink's `origins` use it: exact origins, "*", a request without
// Origin, and what "exact" means for case, port, scheme and a trailing slash.

#include <gtest/gtest.h>

#include "net_support/origin_policy.hpp"

namespace sluice {
namespace {

TEST(OriginPolicy, WithoutAnOriginARequestIsNotFromAPageAndPasses) {
  EXPECT_TRUE(OriginPolicy({}).allows("", "localhost:5000"));
  EXPECT_TRUE(OriginPolicy({}).allows("", "")) << "curl sends neither Origin nor, with -H 'Host:', a Host";
  EXPECT_TRUE(OriginPolicy({"http://localhost:8000"}).allows("", "evil.example"));
}

TEST(OriginPolicy, NothingListedAllowsOnlyPagesOfThisServer) {
  const OriginPolicy none({});
  EXPECT_TRUE(none.allows("http://localhost:5000", "localhost:5000"));
  EXPECT_TRUE(none.allows("https://localhost:5000", "localhost:5000")) << "behind a TLS proxy";
  EXPECT_FALSE(none.allows("http://localhost:8000", "localhost:5000"));
  EXPECT_FALSE(none.allows("http://evil.example", "localhost:5000"));
  EXPECT_FALSE(none.allows("null", "localhost:5000")) << "a sandboxed page or a file: page";
}

TEST(OriginPolicy, AListedOriginIsMatchedExactlySchemeHostAndPort) {
  const OriginPolicy p({"http://localhost:8000", "https://clicks.example.com"});
  EXPECT_TRUE(p.allows("http://localhost:8000", "localhost:5000"));
  EXPECT_TRUE(p.allows("https://clicks.example.com", "localhost:5000"));
  for (const char* foreign : {
           "http://localhost:8001",   // another port
           "http://localhost",        // no port: port 80, not 8000
           "https://localhost:8000",  // another scheme
           "ws://localhost:8000",
           "http://clicks.example.com",        // the listed host with the other scheme
           "https://clicks.example.com:8443",  // the listed host on another port
           "https://sub.clicks.example.com",   // a subdomain is another origin
           "https://clicks.example.com.evil.example",
           "http://localhost:8000.evil.example",
           "http://localhost:8000/",  // an Origin never has a path: not the listed one
           "http://localhost:8000 ",
           "http://localhost:800",  // a prefix of a listed origin
           "null",
       }) {
    EXPECT_FALSE(p.allows(foreign, "localhost:5000")) << foreign;
  }
}

// Browsers serialise an Origin in lowercase; the same-origin case compares without case because a
// non-browser client may not. A listed origin is compared as written (see the report: an entry
// written with capitals or a trailing slash never matches a browser's Origin).
TEST(OriginPolicy, TheSameOriginCaseIgnoresCaseAndNeedsTheHostsPort) {
  const OriginPolicy p({});
  EXPECT_TRUE(p.allows("HTTP://LocalHost:5000", "localhost:5000"));
  EXPECT_TRUE(p.allows("http://localhost:5000", "LOCALHOST:5000"));
  EXPECT_TRUE(p.allows("http://localhost", "localhost")) << "no port in Host, none in Origin";
  EXPECT_FALSE(p.allows("http://localhost", "localhost:5000")) << "Origin without the port Host names";
  EXPECT_FALSE(p.allows("http://localhost:5000", "localhost")) << "Host without the port Origin names";
  EXPECT_FALSE(p.allows("http://localhost:5000/", "localhost:5000")) << "a trailing slash is not an origin";
  EXPECT_FALSE(p.allows("ftp://localhost:5000", "localhost:5000"));
  EXPECT_FALSE(p.allows("localhost:5000", "localhost:5000")) << "no scheme";
  EXPECT_FALSE(p.allows("http://", "")) << "no Host: nothing is same-origin";
  const OriginPolicy listed({"http://localhost:8000"});
  EXPECT_FALSE(listed.allows("http://LOCALHOST:8000", "localhost:5000")) << "a listed origin is exact, case included";
}

TEST(OriginPolicy, AStarAllowsEveryOrigin) {
  const OriginPolicy any({"*"});
  for (const char* origin : {"http://evil.example", "https://a.b.c:1", "null", "http://localhost:5000/", "\xff"}) {
    EXPECT_TRUE(any.allows(origin, "localhost:5000")) << origin;
    EXPECT_TRUE(any.allows(origin, "")) << origin;
  }
  EXPECT_TRUE(OriginPolicy({"http://localhost:8000", "*"}).allows("http://evil.example", "localhost:5000"))
      << "anywhere in the list";
  EXPECT_FALSE(OriginPolicy({"http://*.example.com"}).allows("http://a.example.com", "localhost:5000"))
      << "no wildcards inside an origin: only a lone *";
}

}  // namespace
}  // namespace sluice
