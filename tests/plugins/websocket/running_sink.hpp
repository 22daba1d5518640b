#pragma once
// A real websocket sink (the plugin's own sources, compiled into the test) on 127.0.0.1, port 0,
// its I/O run by one thread as in the engine; and a WebSocket client that reads JSON frames with
// a deadline. The test publishes batches straight into the sink's hub.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "websocket_sink.hpp"

namespace sluice::websocket::test {

namespace net = boost::asio;
namespace ws = beast::websocket;

using Overrides = std::map<std::string, std::string>;

// The sink's options: its table's defaults, then `overrides`, as the config loader gives them.
inline Options options_with(const Overrides& overrides) {
  Options o;
  const OptionTable table = websocket_sink_options();  // kept: specs() refers into it
  for (const auto& spec : table.specs()) {
    std::optional<std::string> text = spec.default_text;
    if (const auto it = overrides.find(spec.name); it != overrides.end()) text = it->second;
    if (!text) continue;
    if (spec.type == OptionType::string_list) {
      o.set(spec.name, text->empty() ? StringList{} : StringList{*text});
      continue;
    }
    std::string expected;
    const auto value = parse_scalar_option(spec.type, *text, expected);
    if (!value) throw std::logic_error("option " + spec.name + ": expected " + expected);
    o.set(spec.name, *value);
  }
  return o;
}

class RunningSink {
 public:
  explicit RunningSink(Overrides overrides) {
    overrides.emplace("listen", "127.0.0.1:0");
    context_.io = &io_;
    context_.log = Logger("test/websocket");
    sink_ = std::make_unique<WebSocketSink>(options_with(overrides), context_);
    port_ = sink_->local_endpoint().port();
    sink_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RunningSink() {
    guard_.reset();
    io_.stop();
    thread_.join();
    sink_.reset();
  }
  unsigned short port() const { return port_; }
  WsShared& shared() { return sink_->shared(); }
  void publish(const std::vector<std::string>& payloads) {
    std::vector<Event> events;
    for (const auto& p : payloads) events.emplace_back(p);
    shared().hub.publish(Batch(std::move(events)));
  }

 private:
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> guard_ = net::make_work_guard(io_);
  Context context_;
  std::unique_ptr<WebSocketSink> sink_;
  unsigned short port_ = 0;
  std::thread thread_;
};

// A dashboard: connects with `target` (e.g. "/?since=E:N"), then reads frames on demand.
// `receive_buffer`: a small one makes a client that does not read stall the server quickly.
class Dashboard {
 public:
  Dashboard(unsigned short port, const std::string& target, int receive_buffer = 0) : ws_(io_) {
    auto& socket = ws_.next_layer();
    socket.open(tcp::v4());
    if (receive_buffer > 0) socket.set_option(net::socket_base::receive_buffer_size(receive_buffer));
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    ws_.handshake("127.0.0.1", target);
  }
  // The next frame, parsed; nullopt when none came before the deadline or the connection ended.
  std::optional<nlohmann::json> next(std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    beast::flat_buffer buffer;
    beast::error_code result = net::error::would_block;
    ws_.async_read(buffer, [&](beast::error_code ec, std::size_t) { result = ec; });
    io_.restart();
    io_.run_for(deadline);
    if (result == net::error::would_block) {
      // Cancelled, and the cancellation run to its end, so the stream stays usable.
      beast::get_lowest_layer(ws_).cancel();
      io_.restart();
      io_.run();
      closed_ = true;  // a read that was cancelled leaves a WebSocket stream unusable
      return std::nullopt;
    }
    if (result) {
      closed_ = true;
      close_reason_ = ws_.reason().code;
      return std::nullopt;
    }
    auto frame = nlohmann::json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
    if (frame.is_discarded()) throw std::runtime_error("a frame that is not JSON");
    return frame;
  }
  bool closed() const { return closed_; }
  std::uint16_t close_reason() const { return close_reason_; }

 private:
  net::io_context io_;
  ws::stream<tcp::socket> ws_;
  bool closed_ = false;
  std::uint16_t close_reason_ = 0;
};

// The seq of every event of a frame, in order.
inline std::vector<std::uint64_t> seqs(const nlohmann::json& frame) {
  std::vector<std::uint64_t> out;
  for (const auto& e : frame["events"]) out.push_back(e["seq"].get<std::uint64_t>());
  return out;
}

}  // namespace sluice::websocket::test
