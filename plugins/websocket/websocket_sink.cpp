#include "websocket_sink.hpp"

#include "net_support/listen.hpp"
#include "net_support/listener_options.hpp"

#include <boost/asio/strand.hpp>

namespace sluice::websocket {

namespace net = boost::asio;

OptionTable websocket_sink_options() {
  OptionTable t;
  option_groups::listener(t, "127.0.0.1:8765");
  t.add("origins", OptionType::string_list,
        "Web origins allowed to connect, besides pages of the same host; others get 403. \"*\" allows any")
      .default_to("")
      .example("[http://localhost:5000]");
  t.add("max_queue", OptionType::integer, "Frames waiting for one client; a client further behind is slow")
      .default_to("256")
      .at_least(1)
      .example("64");
  t.add("slow_client", OptionType::string,
        "What happens to a slow client: `disconnect` (it reconnects and catches up) or `skip` (it loses frames)")
      .default_to("disconnect")
      .one_of({"disconnect", "skip"});
  t.add("replay", OptionType::integer,
        "Recent events kept for clients that reconnect with ?since=EPOCH:SEQ, the last event they saw (EPOCH: 16 "
        "lowercase hex digits, SEQ: a decimal without sign); a since that does not parse is ignored: a snapshot")
      .default_to("1000")
      .at_least(0)
      .example("10000");
  t.add("replay_bytes", OptionType::bytes, "Payload bytes the replay buffer holds at most; the oldest events go first")
      .default_to("8MiB")
      .at_least(0);
  t.add("snapshot_events", OptionType::integer,
        "Recent events sent with the state to a client that connects afresh, as many as fit in a frame")
      .default_to("50")
      .at_least(0);
  t.add("max_frame_bytes", OptionType::bytes,
        "Largest frame sent. A larger batch goes out as several frames; a snapshot keeps the newest events that fit; "
        "a catch-up that does not fit is sent as a snapshot; a payload that cannot fit is replaced by "
        "{\"omitted\":...,\"bytes\":N}")
      .default_to("256KiB")
      .at_least(4096);
  t.add("max_client_bytes", OptionType::bytes,
        "Frame bytes one client can hold in its queue; past it the client is slow. At least twice max_frame_bytes")
      .default_to("1MiB")
      .at_least(8192);
  t.add("read_message_max", OptionType::bytes,
        "Largest message a client may send; a client that sends more is closed with code 1009 (message too big)")
      .default_to("4KiB")
      .at_least(125);
  t.add("age_field", OptionType::string,
        "Payload member with the event's receipt time at ingest (Unix milliseconds, as enrich's time_field writes "
        "it), for the sluice_websocket_event_age_seconds metric; empty: no ages are measured")
      .default_to("receivedAt");
  return t;
}

namespace {

HubLimits hub_limits(const Options& o) {
  HubLimits limits;
  limits.replay_events = static_cast<std::size_t>(o.get_int("replay"));
  limits.replay_bytes = static_cast<std::size_t>(o.get_int("replay_bytes"));
  limits.snapshot_events = static_cast<std::size_t>(o.get_int("snapshot_events"));
  limits.max_frame_bytes = static_cast<std::size_t>(o.get_int("max_frame_bytes"));
  return limits;
}

}  // namespace

void WebSocketSink::validate(const Options& o, ValidationContext& check) {
  check_listen(o.get_string("listen"), check);
  check.attempt([&] { (void)HostPolicy(o.get_string("listen"), o.get_list("allowed_hosts")); });
  // A client must hold the frame in flight and the next one, or every large frame would cut it off.
  const auto max_frame_bytes = o.get_int("max_frame_bytes");
  if (o.get_int("max_client_bytes") < 2 * max_frame_bytes) {
    check.error("max_client_bytes",
                "must be at least twice max_frame_bytes (" + std::to_string(max_frame_bytes) + " bytes)");
  }
}

WsShared::WsShared(const Options& o, const Context& context)
    : hub(hub_limits(o)),
      hosts(o.get_string("listen"), o.get_list("allowed_hosts")),
      origins(o.get_list("origins")),
      max_queue(static_cast<std::size_t>(o.get_int("max_queue"))),
      max_client_bytes(static_cast<std::size_t>(o.get_int("max_client_bytes"))),
      read_message_max(static_cast<std::size_t>(o.get_int("read_message_max"))),
      disconnect_slow(o.get_string("slow_client") == "disconnect"),
      max_clients(static_cast<int>(o.get_int("max_connections"))),
      handshake_timeout(o.get_duration("read_timeout")),
      idle_timeout(o.get_duration("idle_timeout")),
      log(context.log),
      metrics(context.metrics, o.get_string("age_field")) {}

WebSocketSink::WebSocketSink(const Options& o, Context& context) : context_(context) {
  if (context.io == nullptr) throw Error("the websocket sink needs the engine's I/O context");
  shared_ = std::make_shared<WsShared>(o, context);
  acceptor_ = open_acceptor(*context.io, o.get_string("listen"));
  retry_.emplace(acceptor_->get_executor());
  const auto bound = acceptor_->local_endpoint();
  context.log.info("dashboards connect to ws://", bound.address().to_string(), ":", bound.port(), "/");
}

WebSocketSink::~WebSocketSink() {
  boost::system::error_code ignored;
  acceptor_->close(ignored);
  if (retry_) retry_->cancel();
  shared_->hub.clear();
}

void WebSocketSink::start() {
  net::dispatch(acceptor_->get_executor(), [this] { do_accept(); });
}

void WebSocketSink::do_accept() {
  acceptor_->async_accept(net::make_strand(*context_.io), [this](beast::error_code ec, tcp::socket socket) {
    if (!acceptor_->is_open()) return;  // the sink is going
    if (ec) {
      // Out of file descriptors, most likely: accepting again at once would fail at once.
      context_.log.warn("accept failed: ", ec.message());
      return retry_->after_failure([this] { do_accept(); });
    }
    retry_->succeeded();
    if (shared_->sessions.load() >= shared_->max_clients) {
      // Handshakes in progress count: a flood of half-open upgrades is bounded too.
      refuse_busy(socket);
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
  shared_->metrics.observe_ages(
      *batch, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count());
  done.complete();
}

}  // namespace sluice::websocket
