// Fuzzes the http source's request handling from raw bytes (plugins/http): the real HttpSource
// listens on 127.0.0.1, on an io_context this target runs; each input is sent over a fresh TCP
// connection, the client half-closes, and everything the server answers is read back until it
// closes. The pipeline behind the source is a stub that settles each emit at once, in turn: acked,
// acked, acked, rejected (400 with an index), refused as full (503). No static folder is served.
//
// What the server should have seen is worked out without it: the input is cut into requests by
// Beast's request parser with the source's limits (kHeaderLimit, max_body), up to the first
// request that is not keep-alive, a parse error, or the end.
//
// Invariant:
//   - the answers read back are well-formed HTTP responses (a HEAD request's answer has no body),
//     and every body is JSON text that nlohmann parses (strict UTF-8); an empty body only for
//     204, 304 and answers to HEAD;
//   - each request the server parsed is answered exactly once, in order: at most one answer per
//     request, and none after an answer that closes the connection (Connection: close);
//   - so there are as many answers as parsed requests, up to and including the first answer that
//     closes; a request that is malformed (any parse error but the client stopping mid-request) is
//     answered too (400, 413, 431, 501): only a request cut short by the client may go unanswered;
//   - no handler throws, and the connection ends once the client has half-closed;
//   - every event the source hands on has a payload that is JSON text, alone and spliced into
//     another document (as the WebSocket frames splice it).
//
// Coupling to the source is kept to its public face: http_source_options() (filled with defaults
// by the config loader's own option checking, from kOptions below) and the Source interface.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include "sluice/asio.hpp"  // first: see the header

#include "config/option_validation.hpp"
#include "fuzz_check.hpp"
#include "http_source.hpp"
#include "sluice/errors.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using sluice::fuzz::printable;

// The source's options, as a pipeline file would give them ("listen" is added with a free port).
// A small max_body makes 413 reachable with small inputs.
// The click tracker's API routes (pipelines/click-tracker.yaml), which the corpus requests.
constexpr const char* kOptions =
    "max_body: 1KiB\nmax_batch: 16\n"
    "routes: [{path: /click, action: events, content_types: [application/json, text/plain]},\n"
    "  {path: /clicks, action: events, body: batch, content_types: [application/json, text/plain, "
    "application/x-ndjson]},\n"
    "  {path: /health, action: health}]\n";
constexpr std::size_t kMaxBody = 1024;
// The request header limit the source sets on its parser (http_session.cpp).
constexpr std::size_t kHeaderLimit = 16 * 1024;
// Longer than any answer takes on loopback; far shorter than the source's own timeouts.
constexpr auto kDeadline = std::chrono::seconds(5);

bool spliceable_json(std::string_view text) {
  return json::accept(text) && json::accept("[" + std::string(text) + "]");
}

// The pipeline behind the source: settles each emit at once, in a fixed turn of outcomes so that
// every kind of answer is reachable.
class StubEmitter final : public sluice::Emitter {
 public:
  std::size_t emits = 0;  // reset for each input

  bool try_emit(std::vector<sluice::Event>& events, sluice::AckFn& on_ack) override {
    for (const auto& e : events) {
      FUZZ_CHECK(spliceable_json(e.payload()),
                 "the source handed on an event whose payload is not JSON text: ", printable(e.payload()));
    }
    const std::size_t turn = emits++ % 5;
    if (turn == 4) return false;  // the pipeline is full: 503
    events.clear();
    sluice::AckResult result;
    if (turn == 3) {
      result.ok = false;
      result.rejected = true;
      result.reason = "fuzz: rejected by a transform";
    }
    if (on_ack) on_ack(result);
    return true;
  }
  bool emit(std::vector<sluice::Event>& events, sluice::AckFn& on_ack) override { return try_emit(events, on_ack); }
  void close() override {}
  void treat_emits_as_requests() override {}
  bool dead_letter(std::vector<sluice::Event>&, const std::string&, const std::string&, sluice::AckFn&) override {
    return false;  // the http source never gives up on an event; it answers its client
  }
};

struct Server {
  net::io_context io{1};
  sluice::Context context;
  StubEmitter emitter;
  std::unique_ptr<sluice::http::HttpSource> source;
  tcp::endpoint endpoint;
};

sluice::Options source_options(const std::string& listen) {
  std::vector<sluice::config::Diagnostic> diagnostics;
  const sluice::config::EnvLookup env = [](const std::string&) { return std::optional<std::string>(); };
  const sluice::config::ValidationScope scope{"http_request_fuzz", "http source", &env, &diagnostics};
  auto validated = sluice::config::validate_options(sluice::http::http_source_options(),
                                                    YAML::Load(std::string(kOptions) + "listen: " + listen), {}, scope);
  if (!diagnostics.empty()) sluice::fuzz::violated("the fuzz options are valid", diagnostics.front().format());
  return std::move(validated.options);
}

// Made once and never destroyed: libFuzzer exits without unwinding, with handlers still pending.
Server& server() {
  static Server* s = [] {
    sluice::Logger::set_level(sluice::LogLevel::off);
    auto* s = new Server;
    s->context.pipeline = "fuzz";
    s->context.label = "source http";
    s->context.io = &s->io;
    // A port that was free a moment ago: the source binds its `listen` option itself.
    for (int attempt = 0;; ++attempt) {
      tcp::acceptor probe(s->io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
      const auto port = probe.local_endpoint().port();
      probe.close();
      try {
        s->source =
            std::make_unique<sluice::http::HttpSource>(source_options("127.0.0.1:" + std::to_string(port)), s->context);
        s->endpoint = tcp::endpoint(net::ip::make_address("127.0.0.1"), port);
        break;
      } catch (const sluice::ConfigError&) {
        if (attempt == 20) throw;  // taken again each time: something else is wrong
      }
    }
    s->source->start(s->emitter);
    return s;
  }();
  return *s;
}

// What the server should see: the requests Beast's parser cuts the input into, and how it ends.
struct Expected {
  struct Request {
    bhttp::verb method;
    std::string target;
    bool keep_alive;
  };
  std::vector<Request> requests;  // parsed completely
  beast::error_code tail;         // after them: end_of_stream (nothing more), partial_message, or an error
};

// One message from `in` at `pos`, as beast::http::read takes it from a stream that ends there.
template <class Parser>
beast::error_code parse_one(Parser& parser, std::string_view in, std::size_t& pos) {
  beast::error_code ec;
  while (!parser.is_done()) {
    const std::size_t used = pos < in.size() ? parser.put(net::buffer(in.data() + pos, in.size() - pos), ec) : 0;
    pos += used;
    if (ec && ec != bhttp::error::need_more) return ec;
    if (pos < in.size() && used > 0) continue;
    if (parser.is_done()) break;
    // The parser wants more than the rest of the input: the stream ends here.
    if (!parser.got_some()) return bhttp::error::end_of_stream;
    ec = {};
    parser.put_eof(ec);
    return ec;
  }
  return {};
}

Expected expected_requests(std::string_view in) {
  Expected out;
  std::size_t pos = 0;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.eager(true);
    parser.body_limit(kMaxBody);
    parser.header_limit(kHeaderLimit);
    const auto ec = parse_one(parser, in, pos);
    if (ec) {
      out.tail = ec;
      return out;
    }
    const auto& req = parser.get();
    out.requests.push_back({req.method(), std::string(req.target()), req.keep_alive()});
    if (!req.keep_alive()) {
      out.tail = bhttp::error::end_of_stream;  // the server reads no further
      return out;
    }
  }
}

std::string describe(const Expected& e) {
  std::string out = std::to_string(e.requests.size()) + " requests [";
  for (const auto& r : e.requests) {
    out += " " + std::string(bhttp::to_string(r.method)) + " " + printable(r.target, 60) +
           (r.keep_alive ? "" : " (close)");
  }
  return out + " ], then " + e.tail.message();
}

void check_answers(std::string_view input, std::string_view answers, const Expected& expected,
                   const std::vector<std::string>& thrown) {
  const std::string context = "; input: " + printable(input, 600) + "; the server should have seen " +
                              describe(expected) + "; it answered: " + printable(answers, 600) +
                              (thrown.empty() ? "" : "; a handler threw: " + thrown.front());
  std::size_t pos = 0;
  std::size_t count = 0;
  bool closed = false;
  while (pos < answers.size()) {
    // Bytes left after the answer to a HEAD request are most likely a body it should not have had.
    const char* after_head =
        count > 0 && count - 1 < expected.requests.size() && expected.requests[count - 1].method == bhttp::verb::head
            ? " (did the answer to the HEAD request before it carry a body?)"
            : "";
    FUZZ_CHECK(!closed, "an answer after an answer that closed the connection", context);
    FUZZ_CHECK(count < expected.requests.size() + (expected.tail == bhttp::error::end_of_stream ? 0 : 1),
               "more answers than requests: answer ", count + 1, after_head, context);
    const bool head = count < expected.requests.size() && expected.requests[count].method == bhttp::verb::head;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.eager(true);
    parser.skip(head);
    parser.body_limit(1 << 20);
    const std::size_t start = pos;
    const auto ec = parse_one(parser, answers, pos);
    FUZZ_CHECK(!ec, "answer ", count + 1, " (from byte ", start, ") is not an HTTP response: ", ec.message(),
               after_head, context);
    const auto& res = parser.get();
    const unsigned status = res.result_int();
    if (res.body().empty()) {
      FUZZ_CHECK(head || status == 204 || status == 304 || status < 200, "answer ", count + 1, " (", status,
                 ") has an empty body, not JSON", context);
    } else {
      FUZZ_CHECK(json::accept(res.body()), "answer ", count + 1, " (", status,
                 ") has a body that is not JSON: ", printable(res.body()), context);
    }
    closed = !res.keep_alive();
    ++count;
  }
  const bool malformed = expected.tail != bhttp::error::end_of_stream && expected.tail != bhttp::error::partial_message;
  const std::size_t required = expected.requests.size() + (malformed ? 1 : 0);
  FUZZ_CHECK(closed || count >= required, count, " answers to ", required, " requests that need one (",
             malformed ? "the last is malformed: " + expected.tail.message() : "all parsed", ")", context);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Server& s = server();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Expected expected = expected_requests(input);
  s.emitter.emits = 0;

  tcp::socket client(s.io);
  client.connect(s.endpoint);
  std::string answers;
  bool read_done = false;
  net::async_write(client, net::buffer(input), [&](beast::error_code, std::size_t) {
    beast::error_code ignored;
    client.shutdown(tcp::socket::shutdown_send, ignored);  // the server then sees the end of the input
  });
  // Reads until the server closes (end of file, or a reset after it closed with input unread).
  net::async_read(client, net::dynamic_buffer(answers), [&](beast::error_code, std::size_t) { read_done = true; });

  std::vector<std::string> thrown;  // as the engine's I/O threads do: log, and keep running
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (!read_done && std::chrono::steady_clock::now() < deadline) {
    try {
      s.io.run_one_until(deadline);
    } catch (const std::exception& e) {
      thrown.push_back(e.what());
    }
  }
  beast::error_code ignored;
  client.close(ignored);
  // Let the server's side of the connection finish before the next input.
  for (;;) {
    try {
      if (s.io.poll() == 0) break;
    } catch (const std::exception& e) {
      thrown.push_back(e.what());
    }
  }
  FUZZ_CHECK(read_done, "the connection was still open ", kDeadline.count(),
             " s after the client half-closed; answers so far: ", printable(answers), "; input: ", printable(input));
  FUZZ_CHECK(thrown.empty(), "a handler threw: ", thrown.front(), "; input: ", printable(input, 600),
             "; answers: ", printable(answers, 600));
  check_answers(input, answers, expected, thrown);
  return 0;
}
