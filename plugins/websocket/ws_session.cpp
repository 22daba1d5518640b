#include "ws_session.hpp"

#include <algorithm>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <nlohmann/json.hpp>

#include "since.hpp"

namespace sluice::websocket {

namespace net = boost::asio;
namespace http = beast::http;
namespace ws = beast::websocket;

namespace {
// A read buffer that grew past this for one message is given back afterwards.
constexpr std::size_t kKeepBuffer = 4096;
constexpr std::uint32_t kMaxUpgradeHeader = 8192;
}  // namespace

void refuse_busy(tcp::socket& socket) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nServer: sluice\r\nContent-Type: application/json\r\n"
      "Retry-After: 1\r\nContent-Length: 43\r\nConnection: close\r\n\r\n"
      "{\"ok\":false,\"error\":\"too many connections\"}";
  beast::error_code ignored;
  // A fresh socket's send buffer takes these few bytes at once; never wait for a client here.
  socket.non_blocking(true, ignored);
  socket.write_some(net::buffer(kBusy.data(), kBusy.size()), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

WsSession::WsSession(tcp::socket&& socket, std::shared_ptr<WsShared> shared)
    : ws_(std::move(socket)), shared_(std::move(shared)) {
  ++shared_->sessions;
}

WsSession::~WsSession() {
  // Never finished: the sink went and the I/O context dropped the connection with its handlers.
  if (joined_ && !done_) shared_->metrics.disconnected(DisconnectReason::sink_stopped);
  shared_->queued_bytes -= pinned_;
  --shared_->sessions;
}

void WsSession::run() {
  net::dispatch(ws_.get_executor(), [self = shared_from_this()] {
    beast::get_lowest_layer(self->ws_).expires_after(self->shared_->handshake_timeout);
    // An upgrade is a GET with a few headers: no body, and headers bounded, so a connection that
    // has not finished its handshake holds little memory.
    self->parser_.emplace();
    self->parser_->header_limit(kMaxUpgradeHeader);
    self->parser_->body_limit(0);
    http::async_read(beast::get_lowest_layer(self->ws_), self->buffer_, *self->parser_,
                     beast::bind_front_handler(&WsSession::on_request, self));
  });
}

void WsSession::on_request(beast::error_code ec, std::size_t) {
  // Bytes that are not an HTTP request get an answer before the close, as on the http port;
  // a timeout or a reset has nobody to answer.
  if (ec == http::error::header_limit) {
    return refuse(http::status::request_header_fields_too_large,
                  "the upgrade request's headers are larger than " + std::to_string(kMaxUpgradeHeader) + " bytes");
  }
  if (ec && ec.category() == http::make_error_code(http::error::bad_method).category()) {
    return refuse(http::status::bad_request, "not a valid WebSocket upgrade request: " + ec.message());
  }
  if (ec) return;
  request_ = parser_->release();
  parser_.reset();
  buffer_.consume(buffer_.size());
  buffer_.shrink_to_fit();
  if (!ws::is_upgrade(request_)) return refuse(http::status::upgrade_required, "this port speaks WebSocket only");
  // DNS rebinding: a page whose name now resolves to this server still sends its own name as Host.
  if (!shared_->hosts.allows(request_[http::field::host])) {
    return refuse(http::status::misdirected_request,
                  "this server does not answer to that host; list it in the sink's allowed_hosts option");
  }
  const std::string origin(request_[http::field::origin]);
  if (!shared_->origins.allows(origin, request_[http::field::host])) {
    shared_->log.warn("refused a dashboard connection from origin ", origin);
    return refuse(http::status::forbidden, "origin " + origin + " is not allowed");
  }
  since_ = parse_since(request_.target());
  beast::get_lowest_layer(ws_).expires_never();
  ws::stream_base::timeout timeouts{shared_->handshake_timeout, shared_->idle_timeout, /*keep_alive_pings=*/true};
  ws_.set_option(timeouts);
  ws_.set_option(ws::stream_base::decorator([](ws::response_type& res) { res.set(http::field::server, "sluice"); }));
  // A larger message fails the read, and Beast closes with 1009 (message too big).
  ws_.read_message_max(shared_->read_message_max);
  ws_.async_accept(request_, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
}

void WsSession::refuse(http::status status, const std::string& why) {
  refusal_ = std::make_shared<http::response<http::string_body>>(status, request_.version());
  refusal_->set(http::field::content_type, "application/json");
  refusal_->set(http::field::server, "sluice");
  refusal_->keep_alive(false);
  // `why` may quote client bytes (an Origin) that are not UTF-8: replaced, so the body is JSON.
  refusal_->body() =
      nlohmann::json{{"ok", false}, {"error", why}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  refusal_->prepare_payload();
  http::async_write(beast::get_lowest_layer(ws_), *refusal_,
                    [self = shared_from_this()](beast::error_code, std::size_t) {
                      beast::error_code ignored;
                      beast::get_lowest_layer(self->ws_).socket().shutdown(tcp::socket::shutdown_send, ignored);
                    });
}

void WsSession::on_accept(beast::error_code ec) {
  if (ec) return;
  request_ = {};  // its body and fields are not needed any more
  ws_.text(true);
  joined_ = true;
  shared_->metrics.connected();
  enqueue(shared_->hub.join(shared_from_this(), since_));
  do_read();
}

void WsSession::deliver(Frame frame) {
  net::post(ws_.get_executor(),
            [self = shared_from_this(), frame = std::move(frame)]() mutable { self->enqueue(std::move(frame)); });
}

void WsSession::pin(std::size_t bytes) {
  pinned_ += bytes;
  shared_->queued_bytes += bytes;
  std::size_t peak = shared_->peak_client_bytes.load();
  while (pinned_ > peak && !shared_->peak_client_bytes.compare_exchange_weak(peak, pinned_)) {
  }
}

void WsSession::unpin(std::size_t bytes) {
  pinned_ -= bytes;
  shared_->queued_bytes -= bytes;
}

void WsSession::drop_oldest_waiting() {
  unpin(queue_.front()->size());
  queue_.pop_front();
}

void WsSession::enqueue(Frame frame) {
  if (done_) return;
  const std::size_t size = frame->size();
  const auto full = [&] { return queue_.size() >= shared_->max_queue || pinned_ + size > shared_->max_client_bytes; };
  if (full()) {
    if (shared_->disconnect_slow) {
      // It reconnects with ?since= and catches up from the replay buffer, or gets a snapshot.
      shared_->log.info("disconnecting a client that fell ", queue_.size(), " frames (", pinned_, " bytes) behind");
      return finish(DisconnectReason::slow);
    }
    // skip: the oldest waiting frames go, never the one in flight. The client notices the gap in
    // seq and reconnects to catch up.
    while (!queue_.empty() && full()) drop_oldest_waiting();
    if (full()) return;  // the frame in flight alone leaves no room: this one is skipped too
  }
  pin(size);
  queue_.push_back(std::move(frame));
  if (!in_flight_) do_write();
}

void WsSession::do_write() {
  in_flight_ = std::move(queue_.front());
  queue_.pop_front();
  ws_.async_write(net::buffer(*in_flight_), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(beast::error_code ec, std::size_t) {
  unpin(in_flight_->size());
  in_flight_.reset();
  if (ec) return finish(DisconnectReason::write_failed);
  if (!queue_.empty() && !done_) do_write();
}

void WsSession::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    if (ec == ws::error::message_too_big) {
      shared_->log.info("closed a client that sent a message over read_message_max");
      return finish(DisconnectReason::message_too_big);
    }
    return finish(ec == beast::error::timeout ? DisconnectReason::timeout : DisconnectReason::client_closed);
  }
  // Clients have nothing to say; reading serves pings and close. What a message grew the buffer
  // to is not kept.
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > kKeepBuffer) buffer_.shrink_to_fit();
  do_read();
}

void WsSession::finish(DisconnectReason why) {
  if (done_) return;
  done_ = true;
  if (joined_) shared_->metrics.disconnected(why);
  // The waiting frames go now; the one in flight stays until its handler runs (see in_flight_).
  while (!queue_.empty()) drop_oldest_waiting();
  if (joined_) shared_->hub.leave(shared_from_this());
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

}  // namespace sluice::websocket
