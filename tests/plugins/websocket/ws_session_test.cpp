// The websocket sink over real sockets, with real sessions: clients that never read, a client
// that sends too much, a flood of half-open upgrades. Run under ASan: a frame freed while Beast
// writes it is a heap-use-after-free there.

#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "running_sink.hpp"
#include "wait.hpp"

namespace sluice::websocket {
namespace {

namespace net = boost::asio;
namespace http = beast::http;
namespace ws = beast::websocket;
using json = nlohmann::json;
using sluice::test::eventually;

using test::Overrides;
using test::RunningSink;

// A TCP connection whose receive buffer is small, so a client that does not read stalls the
// server's writes quickly.
tcp::socket connect_small(net::io_context& io, unsigned short port) {
  tcp::socket socket(io);
  socket.open(tcp::v4());
  socket.set_option(net::socket_base::receive_buffer_size(4096));
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  return socket;
}

// Sends an upgrade request; returns the response head (empty when the server closed first).
std::string upgrade(tcp::socket& socket, const std::string& host = "127.0.0.1") {
  const std::string request = "GET / HTTP/1.1\r\nHost: " + host +
                              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  beast::error_code ec;
  net::write(socket, net::buffer(request), ec);
  std::string head;
  net::read_until(socket, net::dynamic_buffer(head), "\r\n\r\n", ec);
  return head.substr(0, head.find("\r\n\r\n"));
}

std::string payload_of_size(int n, std::size_t bytes) {
  return R"({"n":)" + std::to_string(n) + R"(,"pad":")" + std::string(bytes, 'p') + "\"}";
}

TEST(WebSocketSession, SkipNeverFreesTheFrameBeingWritten) {
  RunningSink sink(Overrides{{"slow_client", "skip"}, {"max_queue", "4"}});
  net::io_context io;
  ws::stream<tcp::socket> client(connect_small(io, sink.port()));
  client.handshake("127.0.0.1", "/");
  ASSERT_TRUE(eventually([&] { return sink.shared().hub.clients() == 1; }));
  // It reads nothing while far more than its socket holds is published: frames are skipped while
  // one is in flight.
  const int kFrames = 300;
  for (int i = 1; i <= kFrames; ++i) sink.publish({payload_of_size(i, 16000)});
  // Now it reads: every frame it gets must be whole and its own, up to the last one.
  std::uint64_t last_seq = 0;
  bool gap = false;
  for (int n = 0; n != kFrames;) {
    beast::flat_buffer buffer;
    client.read(buffer);
    const auto frame = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
    ASSERT_FALSE(frame.is_discarded()) << "a frame that is not JSON: another frame's bytes?";
    for (const auto& e : frame["events"]) {
      const auto seq = e["seq"].get<std::uint64_t>();
      gap = gap || (last_seq != 0 && seq != last_seq + 1);
      last_seq = seq;
      n = e["data"]["n"];
      ASSERT_EQ(e["data"]["pad"].get<std::string>().size(), 16000u);
    }
  }
  EXPECT_TRUE(gap) << "frames were skipped (else this test proves nothing)";
}

TEST(WebSocketSession, EightClientsThatNeverReadPinNoMoreThanTheirBound) {
  const std::size_t kBound = 64 * 1024;
  RunningSink sink(Overrides{{"max_client_bytes", "64KiB"}, {"max_frame_bytes", "16KiB"}, {"max_queue", "100000"}});
  net::io_context io;
  std::vector<tcp::socket> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(connect_small(io, sink.port()));
    ASSERT_THAT(upgrade(clients.back()), ::testing::StartsWith("HTTP/1.1 101"));
  }
  ASSERT_TRUE(eventually([&] { return sink.shared().hub.clients() == 8; }));
  // Published until every one of them is cut off: at most 64 MiB, far more than sockets hold.
  for (int i = 0; i < 8192 && sink.shared().hub.clients() > 0; ++i) sink.publish({payload_of_size(i, 8000)});
  EXPECT_TRUE(eventually([&] { return sink.shared().hub.clients() == 0; })) << "slow clients are disconnected";
  EXPECT_LE(sink.shared().peak_client_bytes.load(), kBound) << "no client ever pinned more than max_client_bytes";
  EXPECT_GT(sink.shared().peak_client_bytes.load(), kBound / 2) << "the queues did fill (else this proves nothing)";
  EXPECT_TRUE(eventually([&] { return sink.shared().queued_bytes.load() == 0; })) << "their frames are released";
}

TEST(WebSocketSession, AClientThatSendsMoreThanReadMessageMaxIsClosedWith1009) {
  RunningSink sink(Overrides{{"read_message_max", "4KiB"}});
  net::io_context io;
  ws::stream<tcp::socket> client(io);
  client.next_layer().connect({net::ip::make_address("127.0.0.1"), sink.port()});
  client.handshake("127.0.0.1", "/");
  beast::flat_buffer buffer;
  client.read(buffer);  // the snapshot
  client.text(true);
  // Twice the limit, sent in one write: the server may close as soon as it sees the length.
  client.write_buffer_bytes(16 * 1024);
  client.write(net::buffer(std::string(8 * 1024, 'm')));
  beast::error_code result = net::error::would_block;
  client.async_read(buffer, [&](beast::error_code ec, std::size_t) { result = ec; });
  io.run_for(std::chrono::seconds(10));
  ASSERT_NE(result, net::error::would_block) << "no answer within 10 s";
  // The close frame came with its code; Beast's answer to it may then meet the closed socket.
  EXPECT_EQ(client.reason().code, ws::close_code::too_big) << result.message();
  EXPECT_TRUE(eventually([&] { return sink.shared().hub.clients() == 0; }));
}

TEST(WebSocketSession, HandshakesInProgressCountTowardsMaxConnections) {
  RunningSink sink(Overrides{{"max_connections", "2"}});
  net::io_context io;
  // Two connections that never finish their upgrade hold both places.
  std::vector<tcp::socket> idle;
  for (int i = 0; i < 2; ++i) idle.push_back(connect_small(io, sink.port()));
  ASSERT_TRUE(eventually([&] { return sink.shared().sessions.load() == 2; }));
  tcp::socket third = connect_small(io, sink.port());
  EXPECT_THAT(upgrade(third), ::testing::Not(::testing::StartsWith("HTTP/1.1 101")));
  EXPECT_EQ(sink.shared().hub.clients(), 0u);
  // Once they go, their places are free again.
  idle.clear();
  ASSERT_TRUE(eventually([&] { return sink.shared().sessions.load() == 0; }));
  tcp::socket fourth = connect_small(io, sink.port());
  EXPECT_THAT(upgrade(fourth), ::testing::StartsWith("HTTP/1.1 101"));
}

TEST(WebSocketSession, AnUpgradeForAHostThisServerIsNotIsRefusedWith421) {
  RunningSink sink(Overrides{{"allowed_hosts", "dash.example"}});
  net::io_context io;
  // What a DNS-rebinding page sends: its own name, now resolving to 127.0.0.1.
  tcp::socket rebinding = connect_small(io, sink.port());
  EXPECT_THAT(upgrade(rebinding, "evil.example:" + std::to_string(sink.port())), ::testing::StartsWith("HTTP/1.1 421"));
  for (const std::string& host :
       std::vector<std::string>{"localhost:1", "127.0.0.1:" + std::to_string(sink.port()), "dash.example"}) {
    tcp::socket ok = connect_small(io, sink.port());
    EXPECT_THAT(upgrade(ok, host), ::testing::StartsWith("HTTP/1.1 101")) << host;
  }
}

// Sends raw bytes and returns the whole answer, up to the server's close.
std::string send_raw(tcp::socket& socket, const std::string& bytes) {
  beast::error_code ec;
  net::write(socket, net::buffer(bytes), ec);
  std::string answer;
  net::read(socket, net::dynamic_buffer(answer), ec);  // ends at the server's close
  return answer;
}

// As on the http port, bytes that are not an upgrade request get an answer with a JSON body before
// the close (they were closed silently), and so does a refused Origin that is not UTF-8.
TEST(WebSocketSession, MalformedOrOversizedUpgradesAreAnsweredWithJsonBeforeTheClose) {
  RunningSink sink(Overrides{});
  net::io_context io;
  const auto body_of = [](const std::string& answer) { return answer.substr(answer.find("\r\n\r\n") + 4); };

  tcp::socket garbage = connect_small(io, sink.port());
  const std::string bad = send_raw(garbage, "GARBAGE\x01 / HTTP/1.1\r\n\r\n");
  EXPECT_THAT(bad, ::testing::StartsWith("HTTP/1.1 400")) << bad;
  EXPECT_TRUE(json::accept(body_of(bad))) << bad;

  tcp::socket huge = connect_small(io, sink.port());
  const std::string big =
      send_raw(huge, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_THAT(big, ::testing::StartsWith("HTTP/1.1 431")) << big.substr(0, 200);
  EXPECT_TRUE(json::accept(body_of(big))) << big.substr(0, 200);

  tcp::socket foreign = connect_small(io, sink.port());
  const std::string refused =
      send_raw(foreign,
               "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://\xff\xfe.example\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_THAT(refused, ::testing::StartsWith("HTTP/1.1 403")) << refused;
  EXPECT_TRUE(json::accept(body_of(refused))) << refused;
}

}  // namespace
}  // namespace sluice::websocket
