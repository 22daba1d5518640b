#include "ws_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace sluice::websocket {

namespace net = boost::asio;
namespace http = beast::http;
namespace ws = beast::websocket;

namespace {

// "?since=EPOCH:SEQ" in the request target, as a reconnecting dashboard sends it.
std::optional<std::pair<std::string, std::uint64_t>> parse_since(std::string_view target) {
  const auto at = target.find("since=");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view value = target.substr(at + 6);
  value = value.substr(0, value.find('&'));
  const auto colon = value.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  try {
    return std::make_pair(std::string(value.substr(0, colon)), std::stoull(std::string(value.substr(colon + 1))));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

WsSession::WsSession(tcp::socket&& socket, std::shared_ptr<WsShared> shared)
    : ws_(std::move(socket)), shared_(std::move(shared)) {}

void WsSession::run() {
  net::dispatch(ws_.get_executor(), [self = shared_from_this()] {
    beast::get_lowest_layer(self->ws_).expires_after(self->shared_->handshake_timeout);
    http::async_read(beast::get_lowest_layer(self->ws_), self->buffer_, self->request_,
                     beast::bind_front_handler(&WsSession::on_request, self));
  });
}

void WsSession::on_request(beast::error_code ec, std::size_t) {
  if (ec) return;
  if (!ws::is_upgrade(request_)) return refuse(http::status::upgrade_required, "this port speaks WebSocket only");
  const std::string origin(request_[http::field::origin]);
  if (!shared_->origins.allows(origin, request_[http::field::host])) {
    shared_->log.warn("refused a dashboard connection from origin ", origin);
    return refuse(http::status::forbidden, "origin " + origin + " is not allowed");
  }
  if (static_cast<int>(shared_->hub.clients()) >= shared_->max_clients) {
    return refuse(http::status::service_unavailable, "too many clients");
  }
  since_ = parse_since(request_.target());
  beast::get_lowest_layer(ws_).expires_never();
  ws::stream_base::timeout timeouts{shared_->handshake_timeout, shared_->idle_timeout, /*keep_alive_pings=*/true};
  ws_.set_option(timeouts);
  ws_.set_option(ws::stream_base::decorator([](ws::response_type& res) { res.set(http::field::server, "sluice"); }));
  ws_.async_accept(request_, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
}

void WsSession::refuse(http::status status, const std::string& why) {
  refusal_ = std::make_shared<http::response<http::string_body>>(status, request_.version());
  refusal_->set(http::field::content_type, "text/plain");
  refusal_->keep_alive(false);
  refusal_->body() = why + "\n";
  refusal_->prepare_payload();
  http::async_write(beast::get_lowest_layer(ws_), *refusal_, [self = shared_from_this()](beast::error_code, std::size_t) {
    beast::error_code ignored;
    beast::get_lowest_layer(self->ws_).socket().shutdown(tcp::socket::shutdown_send, ignored);
  });
}

void WsSession::on_accept(beast::error_code ec) {
  if (ec) return;
  ws_.text(true);
  joined_ = true;
  enqueue(shared_->hub.join(shared_from_this(), since_));
  do_read();
}

void WsSession::deliver(Frame frame) {
  net::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
    self->enqueue(std::move(frame));
  });
}

void WsSession::enqueue(Frame frame) {
  if (done_) return;
  if (queue_.size() >= shared_->max_queue) {
    if (shared_->disconnect_slow) {
      // It reconnects with ?since= and catches up from the replay buffer, or gets a snapshot.
      shared_->log.info("disconnecting a client that fell ", queue_.size(), " frames behind");
      return finish();
    }
    queue_.pop_front();  // skip: the client notices the gap in seq and reconnects to catch up
  }
  queue_.push_back(std::move(frame));
  if (!writing_) do_write();
}

void WsSession::do_write() {
  writing_ = true;
  ws_.async_write(net::buffer(*queue_.front()), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) return finish();
  queue_.pop_front();
  if (!queue_.empty() && !done_) do_write();
}

void WsSession::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code ec, std::size_t) {
  if (ec) return finish();
  buffer_.consume(buffer_.size());  // clients have nothing to say; reading serves pings and close
  do_read();
}

void WsSession::finish() {
  if (done_) return;
  done_ = true;
  queue_.clear();
  if (joined_) shared_->hub.leave(shared_from_this());
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

}  // namespace sluice::websocket
