#pragma once
// One dashboard connection, in the shape of Boost.Beast's async WebSocket server example: the
// HTTP upgrade request is read first so a foreign Host (421) or Origin (403) can be refused with a
// plain answer, then a strand serialises everything the connection does. Frames wait in a queue
// bounded in frames and in bytes: a client that cannot keep up is disconnected (or skips frames)
// and never slows the others or the pipeline.

#include <atomic>
#include <deque>
#include <memory>
#include <optional>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include "sluice/asio.hpp"  // first: see the header

#include "broadcast_hub.hpp"
#include "net_support/origin_policy.hpp"
#include "ws_metrics.hpp"

namespace sluice::websocket {

namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

struct WsShared {
  WsShared(const Options& o, const Context& context);

  BroadcastHub hub;
  HostPolicy hosts;
  OriginPolicy origins;
  std::size_t max_queue;         // frames waiting for one client
  std::size_t max_client_bytes;  // bytes one client can pin: its waiting frames and the one in flight
  std::size_t read_message_max;  // the largest message a client may send
  bool disconnect_slow;
  int max_clients;  // connections from accept to close, handshakes in progress included
  std::chrono::milliseconds handshake_timeout;
  std::chrono::milliseconds idle_timeout;
  Logger log;
  WsMetrics metrics;

  // Accounting. `sessions` bounds connections at accept; the byte counts are for tests and logs.
  std::atomic<int> sessions{0};                   // live WsSession objects, handshakes included
  std::atomic<std::size_t> queued_bytes{0};       // bytes pinned by every client together
  std::atomic<std::size_t> peak_client_bytes{0};  // the most one client ever pinned
};

class WsSession final : public Client, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket&& socket, std::shared_ptr<WsShared> shared);
  ~WsSession() override;
  void run();
  void deliver(Frame frame) override;

 private:
  void on_request(beast::error_code ec, std::size_t bytes);
  void refuse(beast::http::status status, const std::string& why);
  void on_accept(beast::error_code ec);
  void enqueue(Frame frame);
  void do_write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void finish(DisconnectReason why);
  void pin(std::size_t bytes);
  void unpin(std::size_t bytes);
  void drop_oldest_waiting();

  beast::websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<WsShared> shared_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::empty_body>> parser_;
  beast::http::request<beast::http::empty_body> request_;
  std::optional<Since> since_;
  std::deque<Frame> queue_;  // waiting; never the frame being written
  // The frame Beast is writing. Owned here until its handler runs, whatever happens to the
  // queue meanwhile (skipped frames, finish()): Beast reads from it until then.
  Frame in_flight_;
  std::size_t pinned_ = 0;  // bytes of queue_ and in_flight_
  bool joined_ = false;
  bool done_ = false;
  std::shared_ptr<beast::http::response<beast::http::string_body>> refusal_;
};

// A connection over max_connections: answered 503 at once and closed, without a session.
void refuse_busy(tcp::socket& socket);

}  // namespace sluice::websocket
