// http_load: an open-loop HTTP load generator for latency at a fixed rate.
//
// Closed-loop tools (wrk) send the next request only when the last one is answered, so a slow
// server slows the load down and its stalls never show in the latency ("coordinated omission").
// Here request k is due at start + k/rate whatever happens, and its latency is counted from when
// it was due, not from when a free connection finally sent it. Keep-alive connections, one request
// in flight on each, as browsers and wrk do.
//
// Each event carries "bseq" (a sequence number, so the run can be checked against what reached
// Kafka or a WebSocket client) and "bts" (microseconds since the epoch when it was due, for
// end-to-end latency). Prints one JSON object on stdout.
//
// --interval S (bench/run --soak) also prints, every S seconds, a JSON line for the requests
// answered in that interval: one long run rather than back-to-back short ones, so the schedule
// never pauses and no connection is reopened between windows (either would show as a sawtooth
// in a soak's series). A request counts in the interval it was answered in, latency still from
// when it was due, so a stall shows in the window it ends in.
//
//   http_load --target 127.0.0.1:5000/click --rate 10000 --duration 10 --connections 64

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <memory>

#include "flags.hpp"
#include "latency.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Settings {
  bench::Target target;
  double rate = 0;
  Clock::duration duration{}, warmup{}, drain{};
  Clock::duration interval{};  // zero: no per-interval lines
  int connections = 0;
  long long batch = 1;  // events per request; above 1 the body is NDJSON
  long long first_seq = 0;
  std::size_t pad = 0;
};

struct Due {
  long long index;
  Clock::time_point at;
};

struct Totals {
  long long sent = 0, answered = 0, ok = 0, errors = 0;
  std::map<unsigned, long long> statuses;
  bench::Latencies latency;
};

// One --interval window: reset after each line.
struct Window {
  long long answered = 0, ok = 0, errors = 0;
  bench::Latencies latency;
};

std::int64_t wall_micros(Clock::time_point t, Clock::time_point steady0, std::int64_t wall0) {
  return wall0 + std::chrono::duration_cast<std::chrono::microseconds>(t - steady0).count();
}

class Generator;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(net::io_context& io, Generator& g) : stream_(io), gen_(g) {}
  void connect();
  bool idle() const { return idle_; }
  void send(Due due);

 private:
  void on_connect(beast::error_code ec);
  void on_write(beast::error_code ec);
  void on_read(beast::error_code ec);
  void fail();

  beast::tcp_stream stream_;
  Generator& gen_;
  bool idle_ = false;  // connected and waiting for work
  Due current_{};
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  http::response<http::string_body> res_;
};

class Generator {
 public:
  Generator(net::io_context& io, Settings s) : io_(io), s_(std::move(s)), timer_(io), interval_timer_(io) {
    net::ip::tcp::resolver resolver(io);
    endpoints_ = resolver.resolve(s_.target.host, s_.target.port);
  }

  void start() {
    start_ = Clock::now();
    wall0_ = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
                 .count();
    for (int i = 0; i < s_.connections; ++i) {
      conns_.push_back(std::make_shared<Connection>(io_, *this));
      conns_.back()->connect();
    }
    if (s_.interval > Clock::duration::zero()) next_interval();
    tick();
  }

  // A connection finished its request (or just connected): give it the oldest due request.
  void ready(Connection& c) {
    if (!pending_.empty()) {
      Due d = pending_.front();
      pending_.pop_front();
      c.send(d);
    } else if (stopped_scheduling_ && all_idle()) {
      finish();
    }
  }

  void answered(const Due& d, unsigned status, Clock::time_point now) {
    ++totals_.answered;
    ++totals_.statuses[status];
    if (status >= 200 && status < 300) ++totals_.ok;
    const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(now - d.at).count();
    // With intervals the whole run's latency is left out ("count":0): the windows have it, and a
    // day-long soak would otherwise hold every sample of the day.
    if (s_.interval > Clock::duration::zero()) {
      ++window_.answered;
      if (status >= 200 && status < 300) ++window_.ok;
      window_.latency.add(latency);
    } else if (d.at - start_ >= s_.warmup) {
      totals_.latency.add(latency);
    }
  }
  void failed() {
    ++totals_.errors;
    ++window_.errors;
  }
  void counted_send() { ++totals_.sent; }

  std::string body(const Due& d) const {
    std::string out;
    const std::int64_t bts = wall_micros(d.at, start_, wall0_);
    for (long long i = 0; i < s_.batch; ++i) {
      const long long seq = s_.first_seq + d.index * s_.batch + i;
      char line[256];
      const int n =
          std::snprintf(line, sizeof line, R"({"page":"/bench/%lld","clickNumber":%lld,"bseq":%lld,"bts":%lld,"pad":")",
                        seq % 8, seq, seq, static_cast<long long>(bts));
      out.append(line, static_cast<std::size_t>(n));
      out.append(s_.pad, 'x');
      out += s_.batch > 1 ? "\"}\n" : "\"}";
    }
    return out;
  }

  const Settings& settings() const { return s_; }
  const tcp::resolver::results_type& endpoints() const { return endpoints_; }

 private:
  // Interval k ends at start + k * interval on the steady clock, so windows do not drift.
  void next_interval() {
    interval_timer_.expires_at(start_ + s_.interval * (intervals_ + 1));
    interval_timer_.async_wait([this](beast::error_code ec) {
      if (ec || finished_) return;
      print_interval(s_.interval);
      next_interval();
    });
  }

  // {"interval":k,"t_s":end,"seconds":len,"scheduled":due in it,"answered","ok","non2xx","errors",
  //  "backlog":due but not yet sent,"latency":{...}}
  void print_interval(Clock::duration length) {
    ++intervals_;
    const long long scheduled = next_ - scheduled_before_;
    scheduled_before_ = next_;
    std::cout << "{\"interval\":" << intervals_
              << ",\"t_s\":" << std::chrono::duration<double>(Clock::now() - start_).count()
              << ",\"seconds\":" << std::chrono::duration<double>(length).count() << ",\"scheduled\":" << scheduled
              << ",\"answered\":" << window_.answered << ",\"ok\":" << window_.ok
              << ",\"non2xx\":" << window_.answered - window_.ok << ",\"errors\":" << window_.errors
              << ",\"backlog\":" << pending_.size() << ",\"latency\":" << window_.latency.json() << "}" << std::endl;
    window_ = {};
  }

  bool all_idle() const {
    for (const auto& c : conns_)
      if (!c->idle()) return false;
    return true;
  }

  // Moves every request that is now due into the queue, then sleeps until the next one is.
  void tick() {
    const auto now = Clock::now();
    const auto period = std::chrono::duration<double>(1.0 / s_.rate);
    while (true) {
      const auto at = start_ + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(next_));
      if (at - start_ >= s_.duration) {
        stopped_scheduling_ = true;
        break;
      }
      if (at > now) {
        timer_.expires_at(at);
        timer_.async_wait([this](beast::error_code) { tick(); });
        break;
      }
      pending_.push_back({next_++, at});
    }
    for (auto& c : conns_)
      if (c->idle() && !pending_.empty()) ready(*c);
    if (stopped_scheduling_) {
      timer_.expires_after(s_.drain);
      timer_.async_wait([this](beast::error_code ec) {
        if (!ec) finish();
      });
      if (pending_.empty() && all_idle()) finish();
    }
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    // The drain after the last full interval: its answers would otherwise go unreported.
    if (s_.interval > Clock::duration::zero() && (window_.answered > 0 || window_.errors > 0))
      print_interval(now - (start_ + s_.interval * intervals_));
    std::cout << "{\"scheduled\":" << next_ << ",\"sent\":" << totals_.sent << ",\"answered\":" << totals_.answered
              << ",\"ok\":" << totals_.ok << ",\"events_ok\":" << totals_.ok * s_.batch
              << ",\"errors\":" << totals_.errors << ",\"unsent\":" << pending_.size()
              << ",\"first_seq\":" << s_.first_seq << ",\"end_seq\":" << s_.first_seq + next_ * s_.batch
              << ",\"elapsed_s\":" << elapsed << ",\"rate\":" << s_.rate << ",\"statuses\":{";
    bool first = true;
    for (const auto& [status, n] : totals_.statuses) {
      std::cout << (first ? "" : ",") << "\"" << status << "\":" << n;
      first = false;
    }
    std::cout << "},\"latency\":" << totals_.latency.json() << "}" << std::endl;
    io_.stop();
  }

  net::io_context& io_;
  Settings s_;
  net::steady_timer timer_, interval_timer_;
  tcp::resolver::results_type endpoints_;
  std::vector<std::shared_ptr<Connection>> conns_;
  std::deque<Due> pending_;
  Clock::time_point start_;
  std::int64_t wall0_ = 0;
  long long next_ = 0;
  bool stopped_scheduling_ = false, finished_ = false;
  Totals totals_;
  Window window_;
  long long intervals_ = 0, scheduled_before_ = 0;
};

void Connection::connect() {
  idle_ = false;
  stream_.expires_after(std::chrono::seconds(5));
  stream_.async_connect(gen_.endpoints(), [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
    self->on_connect(ec);
  });
}

void Connection::on_connect(beast::error_code ec) {
  if (ec) {
    gen_.failed();
    connect();  // the server may still be starting, or dropped us; the schedule keeps running
    return;
  }
  stream_.socket().set_option(tcp::no_delay(true));
  idle_ = true;
  gen_.ready(*this);
}

void Connection::send(Due due) {
  idle_ = false;
  current_ = due;
  const Settings& s = gen_.settings();
  req_ = {http::verb::post, s.target.path, 11};
  req_.set(http::field::host, s.target.host);
  req_.set(http::field::content_type, s.batch > 1 ? "application/x-ndjson" : "application/json");
  req_.body() = gen_.body(due);
  req_.prepare_payload();
  gen_.counted_send();
  stream_.expires_after(std::chrono::seconds(60));
  http::async_write(stream_, req_,
                    [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void Connection::on_write(beast::error_code ec) {
  if (ec) return fail();
  res_ = {};
  http::async_read(stream_, buffer_, res_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void Connection::on_read(beast::error_code ec) {
  if (ec) return fail();
  gen_.answered(current_, res_.result_int(), Clock::now());
  if (!res_.keep_alive()) {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    return connect();
  }
  idle_ = true;
  gen_.ready(*this);
}

void Connection::fail() {
  gen_.failed();
  beast::error_code ignored;
  stream_.socket().close(ignored);
  connect();
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Flags f(argc, argv,
                       {{"target", "127.0.0.1:5000/click"},
                        {"rate", "1000"},
                        {"duration", "10"},
                        {"warmup", "1"},
                        {"drain", "30"},
                        {"connections", "64"},
                        {"batch", "1"},
                        {"first-seq", "0"},
                        {"pad", "40"},
                        {"interval", "0"}});
  Settings s;
  s.target = bench::parse_target(f.str("target"));
  s.rate = f.real("rate");
  s.duration = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(f.real("duration")));
  s.warmup = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(f.real("warmup")));
  s.drain = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(f.real("drain")));
  s.connections = static_cast<int>(f.num("connections"));
  s.batch = f.num("batch");
  s.first_seq = f.num("first-seq");
  s.pad = static_cast<std::size_t>(f.num("pad"));
  s.interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(f.real("interval")));
  if (s.rate <= 0 || s.connections <= 0 || s.batch <= 0) {
    std::cerr << "error: --rate, --connections and --batch must be positive\n";
    return 2;
  }
  net::io_context io(1);
  Generator g(io, s);
  g.start();
  io.run();
}
