// The `listen` option (plugins/common/net_support/listen.hpp) as the http source and the websocket
// sink read it: host:port with an IP address or localhost, IPv6 in brackets, port 0 for any free
// port; anything else is a ConfigError at `listen`, before a socket is opened.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "net_support/listen.hpp"
#include "sluice/errors.hpp"

namespace sluice {
namespace {

namespace ip = boost::asio::ip;

TEST(Listen, HostAndPort) {
  const auto v4 = parse_listen("127.0.0.1:5000");
  EXPECT_EQ(v4.address(), ip::make_address("127.0.0.1"));
  EXPECT_EQ(v4.port(), 5000);
  EXPECT_EQ(parse_listen("0.0.0.0:8765"), ip::tcp::endpoint(ip::make_address("0.0.0.0"), 8765));
  EXPECT_EQ(parse_listen("10.1.2.3:65535").port(), 65535) << "the highest port";
  EXPECT_EQ(parse_listen("localhost:5000"), ip::tcp::endpoint(ip::make_address("127.0.0.1"), 5000))
      << "localhost is the IPv4 loopback, not whatever a resolver says";
  EXPECT_EQ(parse_listen(":5000"), ip::tcp::endpoint(ip::make_address("127.0.0.1"), 5000)) << "no host: loopback";
}

TEST(Listen, PortZeroAsksForAnyFreePort) {
  const auto any = parse_listen("127.0.0.1:0");
  EXPECT_EQ(any.port(), 0);
  // And the acceptor opened from it has a real port, which is what tests read back.
  boost::asio::io_context io;
  const auto acceptor = open_acceptor(io, "127.0.0.1:0");
  EXPECT_NE(acceptor->local_endpoint().port(), 0);
  EXPECT_EQ(acceptor->local_endpoint().address(), ip::make_address("127.0.0.1"));
}

TEST(Listen, Ipv6AddressesAreWrittenInBrackets) {
  EXPECT_EQ(parse_listen("[::1]:5000"), ip::tcp::endpoint(ip::make_address("::1"), 5000));
  EXPECT_EQ(parse_listen("[::]:8765"), ip::tcp::endpoint(ip::make_address("::"), 8765));
  EXPECT_EQ(parse_listen("[2001:db8::7]:0"), ip::tcp::endpoint(ip::make_address("2001:db8::7"), 0));
  EXPECT_TRUE(parse_listen("[::1]:5000").address().is_v6());
}

// Every refusal names the option and quotes what was written.
void expect_refused(const std::string& listen) {
  try {
    const auto endpoint = parse_listen(listen);
    ADD_FAILURE() << "'" << listen << "' was taken as " << endpoint;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.option(), "listen") << listen;
    EXPECT_THAT(e.what(), ::testing::HasSubstr("'" + listen + "'")) << listen;
    EXPECT_THAT(e.what(), ::testing::HasSubstr("host:port")) << listen;
  }
}

TEST(Listen, AMissingPortIsRefused) {
  for (const char* listen : {"127.0.0.1", "localhost", "127.0.0.1:", "[::1]", "[::1]:", "", ":"})
    expect_refused(listen);
}

TEST(Listen, APortOutOfRangeOrNotANumberIsRefused) {
  for (const char* listen :
       {"127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:99999999999999999999", "127.0.0.1:http", "127.0.0.1:x80"}) {
    expect_refused(listen);
  }
}

TEST(Listen, AHostThatIsNotAnAddressIsRefused) {
  for (const char* listen :
       {"example.com:5000", "0.0.0.0.0:5000", "256.0.0.1:5000", "[::g]:5000", "[]:5000", "local host:5000"}) {
    expect_refused(listen);
  }
}

// Once taken leniently: std::stoi read a number's prefix and skipped blanks, so "80abc" was port
// 80; an IPv6 address without brackets was cut at its last colon; and "[::1:5000", a bracket left
// open, lost its last group and listened on [::], every interface.
TEST(Listen, AnythingButDigitsAfterTheColonOrBracketsThatDoNotCloseIsRefused) {
  for (const char* listen : {"127.0.0.1:80abc", "127.0.0.1: 80", "127.0.0.1:+80", "127.0.0.1:80 ", "127.0.0.1:0x50",
                             "::1:5000", "[127.0.0.1]:5000", "[::1:5000", "[::1]x:5000"}) {
    expect_refused(listen);
  }
}

}  // namespace
}  // namespace sluice
