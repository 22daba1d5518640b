#include "http_sink.hpp"

#include <algorithm>
#include <cctype>

#include "sink_retry.hpp"

namespace sluice::http {

namespace net = boost::asio;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

OptionTable http_sink_options() {
  OptionTable t;
  t.add("url", OptionType::string,
        "Where to POST the events: http://host[:port]/path[?query]. https is not supported (this build has no TLS "
        "client): such a URL is refused; put a TLS-terminating proxy in front of the server instead")
      .required()
      .example("http://collector:8080/events");
  t.add("format", OptionType::string,
        "Request body: `ndjson` (one JSON payload per line, Content-Type application/x-ndjson) or `json_array` "
        "(one JSON array, application/json). A payload that is not JSON is refused alone, to the dead-letter path")
      .default_to("ndjson")
      .one_of({"ndjson", "json_array"});
  t.add("headers", OptionType::string_map,
        "Extra request headers, e.g. Authorization (use ${ENV} for secrets); Content-Type may be replaced. Host, "
        "Content-Length, Transfer-Encoding and Connection are the sink's own")
      .default_to("")
      .example("{ Authorization: 'Bearer ${COLLECTOR_TOKEN}' }");
  t.add("timeout", OptionType::duration,
        "Longest one request may take, from connecting to the end of the answer; past it the connection is closed "
        "and the request retried (the server may have taken it: delivery is at least once)")
      .default_to("10s")
      .at_least(1)
      .example("2s");
  t.add("max_connections", OptionType::integer,
        "Keep-alive connections to the server at most, which is also the most requests on the wire at once; 1 "
        "keeps the batches' order")
      .default_to("4")
      .at_least(1)
      .at_most(256)
      .example("1");
  t.add("max_request_bytes", OptionType::bytes,
        "Largest request body: a larger batch is sent as several requests (an event larger than this goes alone). "
        "The sink's own memory is at most max_connections bodies")
      .default_to("1MiB")
      .at_least(1024)
      .at_most(1073741824)
      .example("256KiB");
  t.add("retry_backoff", OptionType::duration,
        "Wait after a failed request (5xx, 408, 429 without Retry-After, a connection error, a timeout) before the "
        "sink sends again; doubles with each failure in a row")
      .default_to("100ms")
      .at_least(1)
      .example("1s");
  t.add("retry_backoff_max", OptionType::duration, "The longest wait between two attempts")
      .default_to("30s")
      .at_least(1)
      .example("1m");
  t.add("retry_after_max", OptionType::duration,
        "Longest Retry-After (of a 429 or 503) the sink honours; a longer one waits only this long, and none waits "
        "less than retry_backoff")
      .default_to("60s")
      .at_least(0)
      .example("5m");
  t.add("retry_timeout", OptionType::duration,
        "How long a request keeps being retried before its events are nacked to their source (which decides: the "
        "kafka source reads them again, then dead-letters them); 0 retries until delivered or shut down")
      .default_to("5m")
      .at_least(0)
      .example("0");
  t.add("idle_timeout", OptionType::duration,
        "A kept-alive connection unused this long is closed rather than used again (servers close idle "
        "connections too; a request that finds its connection closed is resent at once on a new one)")
      .default_to("30s")
      .at_least(1)
      .example("5s");
  return t;
}

namespace {

bool is_token(const std::string& name) {
  static const std::string extra = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string::npos;
  });
}

bool iequals(const std::string& a, const char* b) {
  const std::string_view bv(b);
  return a.size() == bv.size() && std::equal(a.begin(), a.end(), bv.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The headers option, checked: throws ConfigError("headers", ...) for the first problem.
std::vector<std::pair<std::string, std::string>> checked_headers(const StringMap& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : headers) {
    if (!is_token(name)) throw ConfigError("headers", "'" + name + "' is not a valid header name");
    for (const char* own : {"Host", "Content-Length", "Transfer-Encoding", "Connection"}) {
      if (iequals(name, own)) {
        throw ConfigError("headers", "'" + name + "' is set by the sink itself (from url and the body); remove it");
      }
    }
    if (value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
      throw ConfigError("headers", "the value of '" + name + "' contains a line break or a NUL byte");
    }
    out.emplace_back(name, value);
  }
  return out;
}

std::string seconds_text(SteadyClock::duration d) {
  const auto ms = std::chrono::duration_cast<milliseconds>(d).count();
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + "s";
}

}  // namespace

// One batch on its way: answered once every request cut from it is settled.
struct HttpSink::Flight {
  std::shared_ptr<const Batch> batch;
  Delivery done;
  std::vector<std::optional<std::string>> one_line;  // per event, when NDJSON needs a rewrite
  std::vector<detail::EventFailure> failures;
  std::size_t requests_left = 0;
};

// Events of one batch that go in one request body.
struct HttpSink::Request {
  std::shared_ptr<Flight> flight;
  std::vector<std::uint32_t> events;
  std::size_t body_bytes = 0;
  std::uint64_t sequence = 0;  // the order requests were cut in; retries keep their place
  unsigned attempts = 0;
  bool resent_stale = false;  // already resent once because its kept-alive connection was closed
  bool settled = false;
  SteadyClock::time_point first_failure{};
};

void HttpSink::validate(const Options& o, ValidationContext& check) {
  check.attempt([&] { (void)SinkUrl::parse(o.get_string("url")); });
  check.attempt([&] { (void)checked_headers(o.get_map("headers")); });
}

HttpSink::HttpSink(const Options& o, Context& context)
    : context_(context),
      url_(SinkUrl::parse(o.get_string("url"))),
      format_(body_format_named(o.get_string("format"))),
      headers_(checked_headers(o.get_map("headers"))),
      timeout_(o.get_duration("timeout")),
      max_connections_(static_cast<std::size_t>(o.get_int("max_connections"))),
      max_request_bytes_(static_cast<std::size_t>(o.get_int("max_request_bytes"))),
      retry_backoff_(o.get_duration("retry_backoff")),
      retry_backoff_max_(std::max(o.get_duration("retry_backoff_max"), o.get_duration("retry_backoff"))),
      retry_after_max_(o.get_duration("retry_after_max")),
      retry_timeout_(o.get_duration("retry_timeout")),
      idle_timeout_(o.get_duration("idle_timeout")),
      strand_(context.io != nullptr ? net::make_strand(*context.io)
                                    : throw Error("the http sink needs the engine's I/O context")),
      resume_timer_(strand_) {}

HttpSink::~HttpSink() {
  // The io_context is stopped: no handler runs now, so the strand's state is ours.
  give_up("the sink was stopped before " + url_.text + " confirmed these events");
}

void HttpSink::write(std::shared_ptr<const Batch> batch, Delivery done) {
  auto flight = std::make_shared<Flight>();
  flight->batch = std::move(batch);
  flight->done = std::move(done);
  const Batch& events = *flight->batch;
  flight->one_line.resize(events.size());
  // Cut the batch into requests of at most max_request_bytes, checking each event here: an event
  // is read on its sink's write thread only.
  std::vector<RequestPtr> requests;
  RequestPtr current;
  for (std::size_t i = 0; i < events.size(); ++i) {
    std::string why = check_body_event(events[i], format_, flight->one_line[i]);
    if (!why.empty()) {
      flight->failures.push_back({i, std::move(why), true});
      continue;
    }
    const std::size_t size =
        encoded_size(flight->one_line[i] ? flight->one_line[i]->size() : events[i].payload().size(), format_);
    if (current && current->body_bytes + size > max_request_bytes_) current.reset();
    if (!current) {
      current = std::make_shared<Request>();
      current->flight = flight;
      current->sequence = next_sequence_++;
      current->body_bytes = 1;  // "[" or nothing, "]" replacing the last comma
      requests.push_back(current);
    }
    current->events.push_back(static_cast<std::uint32_t>(i));
    current->body_bytes += size;
  }
  flight->requests_left = requests.size();
  if (requests.empty()) {  // nothing to send: every event refused (or an empty batch)
    for (auto& f : flight->failures) flight->done.reject_event(f.index, std::move(f.reason));
    flight->done.complete();
    return;
  }
  {
    std::lock_guard lock(mutex_);
    unsettled_ += requests.size();
  }
  net::post(strand_, [this, requests = std::move(requests)]() mutable {
    for (auto& r : requests) enqueue(std::move(r));
    dispatch();
  });
}

void HttpSink::enqueue(RequestPtr request) {
  if (closed_) return settle(request, "the sink was stopped before " + url_.text + " confirmed these events", false);
  // In sequence order: a request that failed goes back before the ones cut after it.
  const auto at = std::upper_bound(queue_.begin(), queue_.end(), request->sequence,
                                   [](std::uint64_t s, const RequestPtr& r) { return s < r->sequence; });
  queue_.insert(at, std::move(request));
}

void HttpSink::dispatch() {
  while (!closed_ && !queue_.empty()) {
    if (SteadyClock::now() < paused_until_) return arm_resume_timer();
    ConnectionPtr connection = take_connection();
    if (!connection) return;  // every connection is busy: the next answer dispatches again
    RequestPtr request = std::move(queue_.front());
    queue_.pop_front();
    send(connection, request);
  }
}

HttpSink::ConnectionPtr HttpSink::take_connection() {
  while (!idle_.empty()) {
    ConnectionPtr c = std::move(idle_.back());
    idle_.pop_back();
    if (c->is_open() && SteadyClock::now() - c->idle_since() < idle_timeout_) return c;
    c->close();
    --connections_;
  }
  if (connections_ >= max_connections_) return nullptr;
  ++connections_;
  return std::make_shared<SinkConnection>(strand_, url_, timeout_);
}

void HttpSink::send(const ConnectionPtr& connection, const RequestPtr& request) {
  // The body is built now, not in write(): only requests on the wire hold one.
  const Batch& events = *request->flight->batch;
  auto message = std::make_shared<SinkRequest>(bhttp::verb::post, url_.target, 11);
  message->set(bhttp::field::host, url_.host_header);
  message->set(bhttp::field::user_agent, "sluice");
  message->set(bhttp::field::content_type, content_type_of(format_));
  for (const auto& [name, value] : headers_) message->set(name, value);
  message->keep_alive(true);
  std::string& body = message->body();
  body.reserve(request->body_bytes);
  open_body(body, format_);
  bool first = true;
  for (const std::uint32_t i : request->events) {
    const auto& one_line = request->flight->one_line[i];
    append_body_event(body, one_line ? std::string_view(*one_line) : events[i].payload(), format_, first);
    first = false;
  }
  close_body(body, format_);
  message->prepare_payload();
  ++request->attempts;
  on_the_wire_.push_back(request);
  // The connection keeps this callback until its exchange ends: a weak reference, or the two
  // would keep each other alive when the io_context stops with the exchange unfinished.
  connection->exchange(std::move(message), [this, weak = std::weak_ptr(connection), request](ExchangeOutcome outcome) {
    if (auto connection = weak.lock()) on_answer(connection, request, std::move(outcome));
  });
}

void HttpSink::on_answer(const ConnectionPtr& connection, const RequestPtr& request, ExchangeOutcome outcome) {
  if (auto it = std::find(on_the_wire_.begin(), on_the_wire_.end(), request); it != on_the_wire_.end()) {
    on_the_wire_.erase(it);
  }
  if (outcome.reusable && !closed_) {
    idle_.push_back(connection);
  } else {
    connection->close();
    --connections_;
  }
  if (request->settled) return dispatch();  // given up on while it was on the wire
  if (outcome.error) {
    if (outcome.stale && !request->resent_stale) {
      // Not the server failing: it closed a connection we kept. Once, at once, on a new one.
      request->resent_stale = true;
      enqueue(request);
      return dispatch();
    }
    const std::string why = outcome.error == net::error::timed_out
                                ? "no answer from " + url_.text + " within " + seconds_text(timeout_)
                                : "cannot reach " + url_.text + ": " + outcome.error.message();
    retry(request, why, std::nullopt);
    return dispatch();
  }
  const std::string answered = url_.text + " answered " + std::to_string(outcome.status) +
                               (outcome.body.empty() ? std::string() : ": " + short_reason(outcome.body));
  switch (verdict_for(outcome.status)) {
    case AnswerVerdict::delivered:
      healthy();
      settle(request, "", false);
      break;
    case AnswerVerdict::retry:
      retry(request, answered, parse_retry_after(outcome.retry_after, std::chrono::system_clock::now()));
      break;
    case AnswerVerdict::refused:
      // The server is up and says these events are wrong: no reason to hold the others back.
      healthy();
      context_.log.warn(answered, "; ", request->events.size(), " events go to the dead-letter path");
      settle(request, answered, true);
      break;
    case AnswerVerdict::failed: {
      const std::string why = outcome.status >= 300 && outcome.status < 400
                                  ? answered + " (a redirect, not followed: set url to " +
                                        (outcome.location.empty() ? "its Location" : outcome.location) + ")"
                                  : answered + " (not a 2xx answer)";
      context_.log.error(why, "; the events are nacked to their source");
      settle(request, why, false);
      break;
    }
  }
  dispatch();
}

void HttpSink::retry(const RequestPtr& request, const std::string& why,
                     std::optional<std::chrono::milliseconds> retry_after) {
  const auto now = SteadyClock::now();
  if (request->first_failure == SteadyClock::time_point{}) request->first_failure = now;
  if (retry_timeout_.count() > 0 && now - request->first_failure >= retry_timeout_) {
    context_.log.error("giving up on ", request->events.size(), " events after ", request->attempts, " attempts over ",
                       seconds_text(now - request->first_failure), ": ", why);
    settle(request,
           "gave up after " + std::to_string(request->attempts) + " attempts over " +
               seconds_text(now - request->first_failure) + ": " + why,
           false);
    return;
  }
  problem(why);
  // Requests that were on the wire together fail together: one failure of the endpoint, one step
  // of the backoff.
  if (now >= paused_until_) ++failures_in_a_row_;
  milliseconds wait = backoff_after(failures_in_a_row_, retry_backoff_, retry_backoff_max_);
  // Retry-After as the server asks, within retry_after_max; never less than retry_backoff, so a
  // "Retry-After: 0" does not turn into a loop of requests.
  if (retry_after) wait = std::max(std::min(*retry_after, retry_after_max_), retry_backoff_);
  paused_until_ = std::max(paused_until_, now + wait);
  context_.log.debug("attempt ", request->attempts, " failed (", why, "); next in ", seconds_text(paused_until_ - now));
  enqueue(request);
}

void HttpSink::arm_resume_timer() {
  resume_timer_.expires_at(paused_until_);
  resume_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) dispatch();
  });
}

void HttpSink::healthy() {
  failures_in_a_row_ = 0;
  paused_until_ = {};
  std::lock_guard lock(mutex_);
  if (problem_.empty()) return;
  context_.log.info("delivering to ", url_.text, " again, after ", seconds_text(SteadyClock::now() - outage_began_));
  problem_.clear();
}

void HttpSink::problem(const std::string& why) {
  std::lock_guard lock(mutex_);
  if (problem_.empty()) {
    outage_began_ = SteadyClock::now();
    context_.log.warn(why, "; retrying, holding the events (the pipeline is pushed back meanwhile)");
  }
  problem_ = why;
}

bool HttpSink::ready(std::string& why) const {
  std::lock_guard lock(mutex_);
  if (problem_.empty()) return true;
  why = problem_;
  return false;
}

void HttpSink::settle(const RequestPtr& request, const std::string& reason, bool refused) {
  if (request->settled) return;
  request->settled = true;
  Flight& flight = *request->flight;
  if (!reason.empty()) {
    for (const std::uint32_t i : request->events) flight.failures.push_back({i, reason, refused});
  }
  if (--flight.requests_left == 0) {
    for (auto& f : flight.failures) {
      f.permanent ? flight.done.reject_event(f.index, std::move(f.reason))
                  : flight.done.fail_event(f.index, std::move(f.reason));
    }
    flight.done.complete();
  }
  request->flight.reset();  // the batch goes once its last request is settled
  {
    std::lock_guard lock(mutex_);
    --unsettled_;
  }
  settled_.notify_all();
}

void HttpSink::give_up(const std::string& reason) {
  closed_ = true;
  resume_timer_.cancel();
  std::deque<RequestPtr> queued = std::move(queue_);
  queue_.clear();
  for (auto& r : queued) settle(r, reason, false);
  for (auto& r : std::vector<RequestPtr>(on_the_wire_)) settle(r, reason, false);
  for (auto& c : idle_) c->close();
  connections_ -= idle_.size();
  idle_.clear();
}

void HttpSink::flush(Deadline deadline) {
  {
    std::unique_lock lock(mutex_);
    if (settled_.wait_until(lock, deadline, [&] { return unsettled_ == 0; })) {
      lock.unlock();
      net::post(strand_, [this] { give_up("the sink was flushed"); });  // closes the idle connections
      return;
    }
    context_.log.error("shutdown deadline: ", unsettled_, " requests to ", url_.text,
                       " still unanswered; their sources get a nack");
  }
  net::post(strand_,
            [this] { give_up("the shutdown deadline passed before " + url_.text + " confirmed these events"); });
  // The strand settles them now; a moment for it to run (the io_context is still running).
  std::unique_lock lock(mutex_);
  settled_.wait_for(lock, std::chrono::seconds(2), [&] { return unsettled_ == 0; });
}

}  // namespace sluice::http
