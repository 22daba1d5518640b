#include "websocket_sink.hpp"

#include "sluice/listen.hpp"

#include <boost/asio/strand.hpp>

namespace sluice::websocket {

namespace net = boost::asio;

OptionTable websocket_sink_options() {
  OptionTable t;
  option_groups::listener(t, "127.0.0.1:8765");
  t.add("origins", OptionType::string_list,
        "Web origins allowed to connect, besides pages of the same host; others get 403. \"*\" allows any")
      .default_to("").example("[http://localhost:5000]");
  t.add("max_queue", OptionType::integer, "Frames waiting for one client; a client further behind is slow")
      .default_to("256").at_least(1).example("64");
  t.add("slow_client", OptionType::string,
        "What happens to a slow client: `disconnect` (it reconnects and catches up) or `skip` (it loses frames)")
      .default_to("disconnect").one_of({"disconnect", "skip"});
  t.add("replay", OptionType::integer, "Recent events kept for clients that reconnect and name the last one they saw")
      .default_to("1000").at_least(0).example("10000");
  t.add("snapshot_events", OptionType::integer, "Recent events sent with the state to a client that connects afresh")
      .default_to("50").at_least(0);
  return t;
}

WsShared::WsShared(const Options& o, const Logger& logger)
    : hub(static_cast<std::size_t>(o.get_int("replay")), static_cast<std::size_t>(o.get_int("snapshot_events"))),
      origins(o.get_list("origins")),
      max_queue(static_cast<std::size_t>(o.get_int("max_queue"))),
      disconnect_slow(o.get_string("slow_client") == "disconnect"),
      max_clients(static_cast<int>(o.get_int("max_connections"))),
      handshake_timeout(o.get_duration("read_timeout")),
      idle_timeout(o.get_duration("idle_timeout")),
      log(logger) {}

WebSocketSink::WebSocketSink(const Options& o, Context& context) : context_(context) {
  if (context.io == nullptr) throw Error("the websocket sink needs the engine's I/O context");
  shared_ = std::make_shared<WsShared>(o, context.log);
  acceptor_ = open_acceptor(*context.io, o.get_string("listen"));
  const auto bound = acceptor_->local_endpoint();
  context.log.info("dashboards connect to ws://", bound.address().to_string(), ":", bound.port(), "/");
}

WebSocketSink::~WebSocketSink() {
  boost::system::error_code ignored;
  acceptor_->close(ignored);
  shared_->hub.clear();
}

void WebSocketSink::start() {
  net::dispatch(acceptor_->get_executor(), [this] { do_accept(); });
}

void WebSocketSink::do_accept() {
  acceptor_->async_accept(net::make_strand(*context_.io), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!acceptor_->is_open()) return;
      context_.log.warn("accept failed: ", ec.message());
    } else {
      // Frames are small and must go out at once: with Nagle's algorithm a frame sent while the
      // previous one is unacknowledged waits for the client's delayed ACK, up to 40 ms.
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<WsSession>(std::move(socket), shared_)->run();
    }
    do_accept();
  });
}

void WebSocketSink::write(std::shared_ptr<const Batch> batch, Delivery done) {
  shared_->hub.publish(*batch);
  done.complete();
}

}  // namespace sluice::websocket
