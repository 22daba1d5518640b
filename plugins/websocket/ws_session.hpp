#pragma once
// One dashboard connection, in the shape of Boost.Beast's async WebSocket server example: the
// HTTP upgrade request is read first so its Origin can be refused with a plain 403, then a strand
// serialises everything the connection does. Frames wait in a bounded queue: a client that cannot
// keep up is disconnected (or skips frames) and never slows the others or the pipeline.

#include <deque>
#include <memory>
#include <optional>

#include "sluice/asio.hpp"  // first: see the header
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "broadcast_hub.hpp"

namespace sluice::websocket {

namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

struct WsShared {
  WsShared(const Options& o, const Logger& logger);

  BroadcastHub hub;
  OriginPolicy origins;
  std::size_t max_queue;
  bool disconnect_slow;
  int max_clients;
  std::chrono::milliseconds handshake_timeout;
  std::chrono::milliseconds idle_timeout;
  Logger log;
};

class WsSession final : public Client, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket&& socket, std::shared_ptr<WsShared> shared);
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
  void finish();

  beast::websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<WsShared> shared_;
  beast::flat_buffer buffer_;
  beast::http::request<beast::http::string_body> request_;
  std::optional<std::pair<std::string, std::uint64_t>> since_;
  std::deque<Frame> queue_;
  bool writing_ = false;
  bool joined_ = false;
  bool done_ = false;
  std::shared_ptr<beast::http::response<beast::http::string_body>> refusal_;
};

}  // namespace sluice::websocket
