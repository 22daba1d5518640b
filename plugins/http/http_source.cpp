#include "http_source.hpp"

#include <memory>
#include <vector>

#include <boost/asio/strand.hpp>

#include "http_session.hpp"
#include "net_support/listen.hpp"
#include "net_support/listener_options.hpp"

namespace sluice::http {

namespace net = boost::asio;

OptionTable http_source_options() {
  OptionTable t;
  option_groups::listener(t, "127.0.0.1:5000");
  t.add("ack", OptionType::string,
        "When a click is answered: `delivered` (2xx once every sink has it) or `accepted` (202 once queued)")
      .default_to("delivered")
      .one_of({"delivered", "accepted"});
  t.add("ack_timeout", OptionType::duration,
        "Longest a client waits for delivery before it gets 503 (the event may still be delivered later)")
      .default_to("30s")
      .at_least(1)
      .example("10s");
  t.add("max_body", OptionType::bytes, "Largest request body; larger ones get 413")
      .default_to("64KiB")
      .at_least(2)
      .example("1MiB");
  t.add("max_batch", OptionType::integer, "Most events in one body of a `body: batch` route")
      .default_to("1000")
      .at_least(1)
      .example("500");
  t.add("routes", OptionType::map_list,
        "What the source answers, one map per route, each with a `path` (from /, matched exactly; a static "
        "mount holds the paths under it) and an `action`. `events`: the body becomes events, with `methods` "
        "(default [POST]; POST, PUT, PATCH), `content_types` (default [application/json]), `body` (`single`, the "
        "default: one JSON document; `batch`: a JSON array or NDJSON, at most max_batch events) and "
        "`cors_origins` (web origins scheme://host:port allowed to post, besides pages this server serves "
        "itself; \"*\" allows any; a request from any other Origin gets 403). `static`: serves `folder` over GET "
        "under the path (dotfiles never). `redirect`: GET answers `status` (default 302; 301, 302, 303, 307, "
        "308) with Location `location`. `health`: GET answers whether the pipeline's sinks are ready. Other "
        "paths get 404")
      .required()
      .example("[{path: /orders, action: events, body: batch}, {path: /ready, action: health}]");
  t.add("static_cache", OptionType::bytes,
        "Memory for each static route's files, read once and served from memory (read again when changed); the "
        "least recently used make room, and a file larger than this is not served (404)")
      .default_to("16MiB")
      .at_least(1024)
      .example("64MiB");
  t.add("rate_limit", OptionType::floating,
        "Events per second one client may post, on average (a token bucket: a batch of 100 events costs 100, a "
        "request whose body is refused costs 1); more are answered 429 with Retry-After. 0: no limit, the default, "
        "because one address may be a backend or a load generator; set it when browsers post directly")
      .default_to("0")
      .at_least(0)
      .example("20");
  t.add("rate_burst", OptionType::integer,
        "Events one client may post at once above rate_limit (the bucket's size). A batch larger than this passes "
        "only from a full bucket and leaves the client waiting as long as the batch would take")
      .default_to("1000")
      .at_least(1)
      .example("200");
  t.add("rate_limit_clients", OptionType::integer,
        "Clients whose rate is tracked at once; past it the client seen least recently is forgotten (it starts "
        "again with a full bucket)")
      .default_to("100000")
      .at_least(1)
      .at_most(10000000);
  t.add("trusted_proxies", OptionType::string_list,
        "Proxies (addresses or CIDR blocks) whose X-Forwarded-For is believed: a request through one is counted "
        "against the first address from the right of X-Forwarded-For that is not a trusted proxy")
      .default_to("")
      .example("[10.0.0.0/8, 127.0.0.1]");
  t.add("retry_after", OptionType::duration, "Retry-After sent with 503").default_to("1s").at_least(1000);
  t.add("client_address", OptionType::boolean,
        "Put the client's address in event metadata (http.client_address); off for privacy")
      .default_to("false");
  return t;
}

HttpShared::HttpShared(const Options& o, Context& c)
    : context(c),
      hosts(o.get_string("listen"), o.get_list("allowed_hosts")),
      routes(o.get_map_list("routes"), static_cast<std::size_t>(o.get_int("static_cache"))),
      max_body(static_cast<std::size_t>(o.get_int("max_body"))),
      max_batch(static_cast<std::size_t>(o.get_int("max_batch"))),
      max_connections(static_cast<int>(o.get_int("max_connections"))),
      read_timeout(o.get_duration("read_timeout")),
      idle_timeout(o.get_duration("idle_timeout")),
      ack_timeout(o.get_duration("ack_timeout")),
      retry_after(std::to_string(std::max<std::int64_t>(1, o.get_duration("retry_after").count() / 1000))),
      answer_after_delivery(o.get_string("ack") == "delivered"),
      expose_client_address(o.get_bool("client_address")),
      trusted_proxies(o.get_list("trusted_proxies")),
      limiter(o.get_float("rate_limit"), static_cast<double>(o.get_int("rate_burst")),
              static_cast<std::size_t>(o.get_int("rate_limit_clients"))),
      metrics(c.metrics) {}

void HttpShared::close_out_when_done() {
  if (!listener_closed.load() || busy.load() != 0 || waking.load() != 0) return;
  if (out_closed.exchange(true)) return;
  std::lock_guard lock(out_mutex);
  if (out != nullptr) out->close();
}

void HttpShared::wake_sessions_for_stop() {
  // Taken under the lock, woken after it: once a woken session's handler has run, the reference
  // held here may be the last, and ~Session takes the same lock (it deadlocked the stop, 1 run in
  // about 10 of tests/security/http-framing.test.mjs).
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(sessions_mutex);
    open.reserve(sessions.size());
    for (Session* s : sessions) {
      if (auto session = s->weak_from_this().lock()) open.push_back(std::move(session));  // else being destroyed
    }
  }
  for (auto& session : open) {
    ++waking;
    net::post(session->executor(), [this, session] {
      session->wake_for_stop();
      if (--waking == 0) close_out_when_done();
    });
  }
}

void HttpShared::forget_out() {
  std::lock_guard lock(out_mutex);
  out = nullptr;
}

void HttpSource::validate(const Options& o, ValidationContext& check) {
  check_listen(o.get_string("listen"), check);
  check.attempt([&] { (void)HostPolicy(o.get_string("listen"), o.get_list("allowed_hosts")); });
  check.attempt([&] { (void)TrustedProxies(o.get_list("trusted_proxies")); });
  // Static folders: only whether they can be read; their files are read per request.
  RouteTable::check(o.get_map_list("routes"),
                    [&](const std::string& option, const std::string& message) { check.error(option, message); });
}

HttpSource::HttpSource(const Options& o, Context& context)
    : context_(context), shared_(std::make_shared<HttpShared>(o, context)) {
  if (context.io == nullptr) throw Error("the http source needs the engine's I/O context");
  acceptor_ = open_acceptor(*context.io, o.get_string("listen"));
  retry_.emplace(acceptor_->get_executor());
  const auto bound = acceptor_->local_endpoint();
  context.log.info("listening on http://", bound.address().to_string(), ":", bound.port(), " (", shared_->routes.size(),
                   shared_->routes.size() == 1 ? " route)" : " routes)");
}

HttpSource::~HttpSource() {
  shared_->forget_out();
  boost::system::error_code ignored;
  acceptor_->close(ignored);
}

void HttpSource::start(Emitter& out) {
  out.treat_emits_as_requests();  // one request, one answer: a 400 stores nothing of it
  shared_->out = &out;
  net::dispatch(acceptor_->get_executor(), [this] { do_accept(); });
}

void HttpSource::stop() {
  // New requests are answered 503 from now on; requests already taken in are answered normally.
  shared_->stopping = true;
  shared_->wake_sessions_for_stop();
  net::post(acceptor_->get_executor(), [this] {
    // Connections already queued are taken and answered 503 (stopping), not reset by the close;
    // on a reload new ones go to the new pipeline's listener (listen.hpp).
    accept_what_is_queued(*acceptor_, *context_.io, [this](tcp::socket socket) {
      std::make_shared<Session>(std::move(socket), shared_, false)->run();
    });
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    retry_->cancel();
    shared_->listener_closed = true;
    shared_->close_out_when_done();  // now, or when the last request in progress is answered
  });
}

void HttpSource::do_accept() {
  // A pending accept holds a stop like a request in progress (http_shared.hpp): a connection the
  // kernel accepted just before the listener closed is still served (503), not reset.
  ++shared_->busy;
  acceptor_->async_accept(net::make_strand(*context_.io), [this](beast::error_code ec, tcp::socket socket) {
    const auto done = [this] {
      if (--shared_->busy == 0) shared_->close_out_when_done();
    };
    if (ec) {
      if (!acceptor_->is_open()) return done();  // stopped
      // Out of file descriptors, most likely: accepting again at once would fail at once.
      context_.log.warn("accept failed: ", ec.message());
      retry_->after_failure([this] { do_accept(); });
      return done();
    }
    retry_->succeeded();
    // Answers are small; Nagle's algorithm would hold one back behind an unacknowledged one.
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    const bool over = shared_->connections.load() >= shared_->max_connections;
    std::make_shared<Session>(std::move(socket), shared_, over)->run();
    if (acceptor_->is_open()) do_accept();
    done();
  });
}

}  // namespace sluice::http
