#include "http_session.hpp"

#include <algorithm>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "click_body.hpp"
#include "ids/random_uuid.hpp"
#include "request_framing.hpp"
#include "sluice/metadata_keys.hpp"

namespace sluice::http {

namespace net = boost::asio;
using json = nlohmann::json;

namespace {

// The media type without parameters, lower case: "Application/JSON; charset=utf-8" is
// application/json.
std::string media_type(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  return type;
}

bool accepted_type(std::string_view content_type, const Route& route) {
  const std::string type = media_type(content_type);
  return std::find(route.content_types.begin(), route.content_types.end(), type) != route.content_types.end();
}

// "use POST", "use POST or PUT": what the 405 answer suggests.
std::string use(const std::vector<std::string>& methods) {
  std::string out = "use ";
  for (std::size_t i = 0; i < methods.size(); ++i) {
    if (i > 0) out += i + 1 == methods.size() ? " or " : ", ";
    out += methods[i];
  }
  return out;
}

json error_body(const std::string& message) { return {{"ok", false}, {"error", message}}; }

// Every answer body goes through here. Client bytes in it (a path, a Host, an Origin, a parser's
// message quoting the body) may not be UTF-8: they become U+FFFD, so the answer is still JSON and
// building it never throws.
std::string text(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

// Errors of Beast's HTTP parser that mean the bytes were not a valid request (bad_method,
// bad_target, bad_field, bad_content_length, bad_transfer_encoding, bad_chunk, partial_message...),
// as opposed to the connection failing (reset, timeout) or ending cleanly.
bool malformed(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

// After the answer that ends a connection, unread bytes (the rest of a refused request) would make
// the kernel reset the connection and the client could lose the answer; they are read and
// dropped for at most this long, then the socket closes.
constexpr std::chrono::seconds linger{1};

}  // namespace

Session::Session(tcp::socket&& socket, std::shared_ptr<HttpShared> shared, bool over_limit)
    : stream_(std::move(socket)), shared_(std::move(shared)), over_limit_(over_limit) {
  ++shared_->connections;
  ++shared_->busy;
  std::lock_guard lock(shared_->sessions_mutex);
  shared_->sessions.insert(this);
}

Session::~Session() {
  {
    std::lock_guard lock(shared_->sessions_mutex);
    shared_->sessions.erase(this);
  }
  --shared_->connections;
  set_busy(false);
}

void Session::set_busy(bool busy) {
  if (busy == busy_) return;
  busy_ = busy;
  if (busy) {
    ++shared_->busy;
  } else if (--shared_->busy == 0) {
    shared_->close_out_when_done();
  }
}

void Session::run() {
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::start, shared_from_this()));
}

void Session::start() {
  if (!over_limit_) return do_read();
  // Over max_connections: answered at once, without waiting for a request that may never come.
  keep_alive_ = false;
  send_unavailable("too many connections");
}

void Session::wake_for_stop() {
  if (!idle_ || stop_timer_) return;  // in a request: its answer says Connection: close
  set_busy(true);
  stop_timer_.emplace(stream_.get_executor(), stop_grace);
  stop_timer_->async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec && self->idle_) self->stream_.cancel();  // no request came: on_read closes it
  });
}

void Session::do_read() {
  // Kept alive between requests: idle, it does not hold a stop (it is busy again once bytes come),
  // unless the stop has begun (an answer already on its way said keep-alive).
  idle_ = answered_;
  if (idle_ && shared_->stopping) {
    wake_for_stop();
  } else if (answered_) {
    set_busy(false);
  }
  parser_.emplace();
  parser_->body_limit(shared_->max_body);
  parser_->header_limit(header_limit);
  // The first request must arrive within read_timeout; a kept-alive connection may idle longer.
  stream_.expires_after(answered_ ? shared_->idle_timeout : shared_->read_timeout);
  bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
}

void Session::on_read(beast::error_code ec, std::size_t) {
  set_busy(true);
  idle_ = false;
  if (stop_timer_) stop_timer_->cancel();
  if (ec == bhttp::error::end_of_stream) return do_close();
  // The grace of a stop ended with the connection idle: closed as after an answer, not reset.
  if (ec == boost::asio::error::operation_aborted && stop_timer_) return do_close();
  if (ec && malformed(ec)) {
    // Answered, then closed: after bytes that are not HTTP, where the next request starts is unknown.
    keep_alive_ = false;
    head_ = false;
    version_ = parser_->is_header_done() ? parser_->get().version() : 11;
    if (ec == bhttp::error::body_limit) {
      return send_json(bhttp::status::payload_too_large,
                       error_body("the body is larger than " + std::to_string(shared_->max_body) + " bytes"));
    }
    if (ec == bhttp::error::header_limit) {
      return send_json(
          bhttp::status::request_header_fields_too_large,
          error_body("the request line and headers are larger than " + std::to_string(header_limit) + " bytes"));
    }
    return send_json(bhttp::status::bad_request, error_body("malformed request: " + ec.message()));
  }
  if (ec) return;  // timeout, reset: nobody to answer, the connection just ends
  handle(parser_->release());
}

void Session::handle(Request&& req) {
  request_read_at_ = std::chrono::steady_clock::now();
  version_ = req.version();
  keep_alive_ = req.keep_alive() && !shared_->stopping;
  head_ = req.method() == bhttp::verb::head;
  allow_origin_.clear();
  answered_ = false;
  ++request_;
  const std::string target(req.target());
  const std::string path = target.substr(0, target.find('?'));
  const auto method = req.method();
  const std::string origin(req[bhttp::field::origin]);

  // Request smuggling: a body length we cannot be sure of ends the connection.
  std::vector<std::string_view> transfer_encodings;
  for (const auto& field : req) {
    if (field.name() == bhttp::field::transfer_encoding) transfer_encodings.push_back(field.value());
  }
  if (auto framing = check_framing(transfer_encodings, req.count(bhttp::field::content_length) > 0, version_)) {
    keep_alive_ = false;
    return send_json(static_cast<bhttp::status>(framing->status), error_body(framing->message));
  }
  // DNS rebinding: a page whose name now resolves to this server still sends its own name as Host.
  if (const auto host = req[bhttp::field::host]; host.empty() || host != allowed_host_) {
    if (!shared_->hosts.allows(host)) {
      return send_json(bhttp::status::misdirected_request,
                       error_body("this server does not answer to the host '" + std::string(host) +
                                  "'; list it in the source's allowed_hosts option"));
    }
    allowed_host_ = std::string(host);
  }
  if (const Route* route = shared_->routes.exact(path)) {
    switch (route->action) {
      case RouteAction::events:
        return handle_events(req, *route, path, origin);
      case RouteAction::health:
        return handle_health(req, path);
      case RouteAction::redirect:
        if (method != bhttp::verb::get && method != bhttp::verb::head) break;  // a static mount may hold it
        return send_json(static_cast<bhttp::status>(route->status), {{"ok", true}, {"location", route->location}},
                         {{bhttp::field::location, route->location}});
      case RouteAction::static_files:
        break;  // never exact
    }
  }
  if (method == bhttp::verb::get || method == bhttp::verb::head) {
    std::string inside;
    if (const Route* mount = shared_->routes.mount(path, inside)) {
      if (auto file = mount->files->find(inside)) {
        Response res{bhttp::status::ok, version_};
        res.set(bhttp::field::content_type, file->content_type);
        res.set(bhttp::field::cache_control, "no-cache");
        res.body() = *file->body;  // HEAD: send() keeps its length and drops it
        return send(std::move(res));
      }
    }
  }
  send_json(bhttp::status::not_found, error_body("no such path: " + path));
}

void Session::handle_events(const Request& req, const Route& route, const std::string& path,
                            const std::string& origin) {
  const auto method = req.method();
  if (!origin.empty()) {
    if (!route.origins->allows(origin, req[bhttp::field::host])) {
      return send_json(bhttp::status::forbidden, error_body("origin " + origin + " is not allowed to post to " + path));
    }
    allow_origin_ = origin;
  }
  if (method == bhttp::verb::options) {
    Response res{bhttp::status::no_content, version_};  // 204: no body, by definition
    res.set(bhttp::field::access_control_allow_methods, route.allow);
    res.set(bhttp::field::access_control_allow_headers, "Content-Type");
    res.set(bhttp::field::access_control_max_age, "600");
    return send(std::move(res));
  }
  const std::string verb(req.method_string());
  if (std::find(route.methods.begin(), route.methods.end(), verb) == route.methods.end()) {
    return send_json(bhttp::status::method_not_allowed,
                     error_body(verb + " is not allowed on " + path + "; " + use(route.methods)),
                     {{bhttp::field::allow, route.allow}});
  }
  if (!accepted_type(req[bhttp::field::content_type], route)) {
    return send_json(bhttp::status::unsupported_media_type, error_body("send " + route.types_in_words));
  }
  handle_body(req, route.batch);
}

void Session::handle_health(const Request& req, const std::string& path) {
  const auto method = req.method();
  if (method != bhttp::verb::get && method != bhttp::verb::head) {
    return send_json(bhttp::status::method_not_allowed,
                     error_body(std::string(req.method_string()) + " is not allowed on " + path + "; use GET"),
                     {{bhttp::field::allow, "GET, HEAD"}});
  }
  std::string detail;
  const bool ready = shared_->context.sinks_ready ? shared_->context.sinks_ready(detail) : true;
  json body = {{"status", ready && !shared_->stopping ? "ok" : "degraded"},
               {"live", true},
               {"ready", ready},
               {"accepting", !shared_->stopping.load()},
               {"pipeline", shared_->context.pipeline}};
  if (!detail.empty()) body["detail"] = detail;
  send_json(bhttp::status::ok, body);
}

void Session::handle_body(const Request& req, bool batch) {
  if (shared_->stopping) return send_unavailable("the server is shutting down");
  std::vector<Event> events;
  const auto now = Clock::now();
  const auto error =
      batch ? parse_batch(req.body(), shared_->max_batch, now, events) : parse_single(req.body(), now, events);
  // Who the client is, for the rate limit and for client_address: the peer, or behind a trusted
  // proxy the address it forwarded (X-Forwarded-For is read only from trusted peers).
  std::string peer;
  std::string forwarded;
  if (shared_->limiter.enabled() || shared_->expose_client_address) {
    beast::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) peer = remote.address().to_string();
    if (!shared_->trusted_proxies.empty()) {
      for (const auto& field : req) {
        if (!beast::iequals(field.name_string(), "X-Forwarded-For")) continue;
        if (!forwarded.empty()) forwarded += ',';
        forwarded += field.value();
      }
    }
  }
  // The rate limit counts events (a refused body costs 1), so a batch costs what its clicks would.
  if (shared_->limiter.enabled()) {
    const auto client = client_key(peer, forwarded, shared_->trusted_proxies);
    if (const auto wait =
            shared_->limiter.take(client, static_cast<double>(events.size()), std::chrono::steady_clock::now())) {
      const std::string seconds = std::to_string(wait->count());
      return send_json(bhttp::status::too_many_requests,
                       error_body("too many events from this client; retry after " + seconds + "s"),
                       {{bhttp::field::retry_after, seconds}});
    }
  }
  if (error) {
    json body = error_body(error->message);
    if (error->index) body["index"] = *error->index;
    return send_json(bhttp::status::bad_request, body);
  }
  // Shared, not copied: the ack travels through a sink's thread and back to this strand.
  auto ids = std::make_shared<std::vector<std::string>>();
  ids->reserve(events.size());
  const std::string address =
      shared_->expose_client_address && !peer.empty() ? client_address(peer, forwarded, shared_->trusted_proxies) : "";
  for (auto& e : events) {
    ids->push_back(random_uuid());  // the id the client is told, and enrich writes into the click
    e.meta().set(metadata_key::id, ids->back());
    e.meta().set(metadata_key::http_user_agent, std::string(req[bhttp::field::user_agent]));
    if (!address.empty()) e.meta().set(metadata_key::http_client_address, address);
  }
  AckFn ack;
  if (shared_->answer_after_delivery) {
    ack = [self = shared_from_this(), ids, request = request_](const AckResult& r) {
      // Sinks answer on their own threads; the connection is touched only on its strand.
      net::post(self->stream_.get_executor(), [self, r, ids, request] { self->answer_ack(r, *ids, request); });
    };
  }
  if (!shared_->out->try_emit(events, ack)) return send_unavailable("the pipeline is full");
  if (!shared_->answer_after_delivery) {
    return send_json(bhttp::status::accepted, {{"ok", true}, {"queued", true}, {"ids", *ids}});
  }
  // Delivery may take up to message_timeout in a sink; the client is not kept waiting longer than this.
  ack_timer_.emplace(stream_.get_executor());
  ack_timer_->expires_after(shared_->ack_timeout);
  stream_.expires_never();
  ack_timer_->async_wait([self = shared_from_this(), request = request_](beast::error_code ec) {
    if (!ec && request == self->request_ && !self->answered_) {
      self->send_unavailable("no confirmation of delivery in time; it may still arrive");
    }
  });
}

void Session::answer_ack(const AckResult& r, const std::vector<std::string>& ids, std::uint64_t request) {
  if (request != request_ || answered_) return;  // the ack timeout answered already
  if (ack_timer_) ack_timer_->cancel();
  if (r.ok) {
    // Every delivered click is answered with this, so it is written without nlohmann's DOM and
    // dump. The ids are random_uuid()s (hex digits and dashes): nothing to escape.
    std::string body = R"({"ids":[)";
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) body += ',';
      body += '"';
      body += ids[i];
      body += '"';
    }
    body += R"(],"ok":true})";  // the order nlohmann's dump gave (sorted keys), as the README shows
    return send_json_text(bhttp::status::ok, std::move(body));
  }
  if (r.rejected) {
    json body = error_body(r.reason);
    body["index"] = r.event;
    return send_json(bhttp::status::bad_request, body);
  }
  send_unavailable(r.reason);
}

void Session::send_unavailable(const std::string& why) {
  send_json(bhttp::status::service_unavailable, error_body(why), {{bhttp::field::retry_after, shared_->retry_after}});
}

void Session::send_json(bhttp::status status, const json& body,
                        std::initializer_list<std::pair<bhttp::field, std::string_view>> headers) {
  send_json_text(status, text(body), headers);
}

void Session::send_json_text(bhttp::status status, std::string body,
                             std::initializer_list<std::pair<bhttp::field, std::string_view>> headers) {
  Response res{status, version_};
  res.set(bhttp::field::content_type, "application/json");
  for (const auto& [name, value] : headers) res.set(name, value);
  res.body() = std::move(body);
  send(std::move(res));
}

void Session::send(Response&& res) {
  answered_ = true;
  const double took = request_read_at_
                          ? std::chrono::duration<double>(std::chrono::steady_clock::now() - *request_read_at_).count()
                          : -1;
  shared_->metrics.answered(res.result_int(), took);
  request_read_at_.reset();
  res.set(bhttp::field::server, "sluice");
  if (!allow_origin_.empty()) {
    res.set(bhttp::field::access_control_allow_origin, allow_origin_);
    res.set(bhttp::field::vary, "Origin");
  }
  res.keep_alive(keep_alive_ && !shared_->stopping);
  res.prepare_payload();
  if (head_) {
    // HEAD: the headers GET would get, Content-Length included, and no body.
    const auto length = res.body().size();
    res.body().clear();
    if (res.result() != bhttp::status::no_content) res.content_length(length);
  }
  response_ = std::move(res);
  stream_.expires_after(shared_->read_timeout);
  bhttp::async_write(stream_, response_,
                     beast::bind_front_handler(&Session::on_write, shared_from_this(), response_.keep_alive()));
}

void Session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec) return;
  if (!keep_alive) return do_close();
  do_read();
}

void Session::do_close() {
  set_busy(false);  // answered, or the client closed: the linger below holds no stop
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return;
  stream_.expires_after(linger);
  do_drain();
}

void Session::do_drain() {
  stream_.async_read_some(net::buffer(drain_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (!ec) self->do_drain();
  });
}

}  // namespace sluice::http
