// ws_fanout: many WebSocket clients in one process, each checking it got every event.
//
// Every client counts the distinct "bseq" numbers it sees (a bitmap over the expected range), so a
// lost event, a duplicate or a stalled client shows up per client, whatever the server's framing:
// Sluice batches events into frames, the baselines send one event per frame. Nothing is parsed
// beyond finding "bseq": and "bts": in the frame, so 1,000 clients cost the server, not this tool.
//
// Events before --timed-from are the warm-up: they must arrive too, but neither the rate's clock
// nor the latency counts them.
//
// Clients given by --slow read one frame every 1/--slow-rate seconds: they must not hold the others
// back. Prints "READY" once every client is connected (the runner then starts producing), and one
// JSON object with the results when every normal client has all --expect events or --timeout passes.
//
//   ws_fanout --url 127.0.0.1:8765/ --clients 1000 --slow 1 --expect 20000 --first-seq 0

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <chrono>
#include <iostream>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "flags.hpp"
#include "latency.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Settings {
  bench::Target target;
  std::string origin;
  long long expect = 0, first_seq = 0, timed_from = 0;
  double idle_s = 0;
  double slow_rate = 1;
};

std::int64_t wall_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Reads the integer after `"key":` at or after `from` (JSON allows spaces after the colon; Python's
// json.dumps writes one). Returns the position after it, or npos when there is none.
std::size_t number_after(std::string_view frame, std::string_view key, std::size_t from, long long& value) {
  auto pos = frame.find(key, from);
  if (pos == std::string_view::npos) return pos;
  pos += key.size();
  while (pos < frame.size() && frame[pos] == ' ') ++pos;
  const auto [end, ec] = std::from_chars(frame.data() + pos, frame.data() + frame.size(), value);
  if (ec != std::errc()) return pos;
  return static_cast<std::size_t>(end - frame.data());
}

class Run;

class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(net::io_context& io, Run& run, int index, bool slow, bool timed)
      : ws_(io), pause_(io), run_(run), index_(index), slow_(slow), timed_(timed) {}
  void start(const tcp::resolver::results_type& endpoints);

  bool slow() const { return slow_; }
  bool complete() const { return complete_; }
  bool closed() const { return closed_; }
  long long distinct() const { return distinct_; }
  long long duplicates() const { return duplicates_; }
  long long frames() const { return frames_; }
  std::string close_reason() const { return close_reason_; }

 private:
  void read();
  void on_read(beast::error_code ec);
  void take(std::string_view frame);

  websocket::stream<beast::tcp_stream> ws_;
  net::steady_timer pause_;
  Run& run_;
  const int index_;
  const bool slow_, timed_;
  beast::flat_buffer buffer_;
  std::vector<bool> seen_;
  long long distinct_ = 0, duplicates_ = 0, frames_ = 0;
  bool complete_ = false, closed_ = false;
  std::string close_reason_;
};

class Run {
 public:
  Run(net::io_context& io, Settings s) : io_(io), s_(std::move(s)), deadline_(io), idle_timer_(io) {}

  void start(int clients, int slow, int timed, double timeout_s) {
    tcp::resolver resolver(io_);
    const auto endpoints = resolver.resolve(s_.target.host, s_.target.port);
    for (int i = 0; i < clients + slow; ++i) {
      clients_.push_back(std::make_shared<Client>(io_, *this, i, i >= clients, i < timed));
      clients_.back()->start(endpoints);
    }
    normal_ = clients;
    deadline_.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s)));
    deadline_.async_wait([this](beast::error_code ec) {
      if (!ec) finish("timeout");
    });
    if (s_.idle_s > 0) watch_idle();
  }

  void event_seen() { last_event_ = Clock::now(); }

  const Settings& settings() const { return s_; }
  bench::Latencies& latency() { return latency_; }

  void connected() {
    if (++connected_ == static_cast<int>(clients_.size())) std::cout << "READY" << std::endl;
  }
  void connect_failed(const std::string& why) {
    std::cerr << "connect failed: " << why << "\n";
    finish("connect failed: " + why);
  }
  void timed_event_seen() {
    if (timed_start_ == Clock::time_point{}) timed_start_ = Clock::now();
  }
  void client_complete() {
    last_ = Clock::now();
    if (++complete_ == normal_) finish("complete");
  }
  void client_closed() {
    // A normal client the server hung up on will never complete: stop waiting for it.
    int open_incomplete = 0;
    for (const auto& c : clients_)
      if (!c->slow() && !c->complete() && !c->closed()) ++open_incomplete;
    if (open_incomplete == 0 && complete_ < normal_) finish("normal clients closed by the server");
  }

 private:
  // Once events have started, a long silence means the rest are not coming: say so now rather
  // than at the deadline.
  void watch_idle() {
    idle_timer_.expires_after(std::chrono::milliseconds(250));
    idle_timer_.async_wait([this](beast::error_code ec) {
      if (ec || finished_) return;
      const auto silence = std::chrono::duration<double>(Clock::now() - last_event_).count();
      if (last_event_ != Clock::time_point{} && silence > s_.idle_s)
        return finish("no new event for " + std::to_string(s_.idle_s) + "s");
      watch_idle();
    });
  }

  void finish(const std::string& outcome) {
    if (finished_) return;
    finished_ = true;
    long long deliveries = 0, dups = 0, min_distinct = -1, frames = 0, closed = 0;
    for (const auto& c : clients_) {
      if (c->slow()) continue;
      deliveries += c->distinct();
      dups += c->duplicates();
      frames += c->frames();
      closed += c->closed() ? 1 : 0;
      if (min_distinct < 0 || c->distinct() < min_distinct) min_distinct = c->distinct();
    }
    const double elapsed =
        timed_start_ == Clock::time_point{}
            ? 0
            : std::chrono::duration<double>((last_ == Clock::time_point{} ? Clock::now() : last_) - timed_start_)
                  .count();
    std::cout << "{\"outcome\":\"" << outcome << "\",\"clients\":" << normal_ << ",\"connected\":" << connected_
              << ",\"complete\":" << complete_ << ",\"closed_by_server\":" << closed << ",\"expect\":" << s_.expect
              << ",\"min_distinct\":" << min_distinct << ",\"duplicates\":" << dups << ",\"deliveries\":" << deliveries
              << ",\"frames\":" << frames << ",\"elapsed_s\":" << elapsed << ",\"latency\":" << latency_.json()
              << ",\"slow\":[";
    bool first = true;
    for (const auto& c : clients_) {
      if (!c->slow()) continue;
      std::cout << (first ? "" : ",") << "{\"distinct\":" << c->distinct()
                << ",\"closed_by_server\":" << (c->closed() ? "true" : "false") << ",\"close_reason\":\""
                << c->close_reason() << "\"}";
      first = false;
    }
    std::cout << "]}" << std::endl;
    io_.stop();
  }

  net::io_context& io_;
  Settings s_;
  net::steady_timer deadline_, idle_timer_;
  Clock::time_point last_event_{};
  std::vector<std::shared_ptr<Client>> clients_;
  bench::Latencies latency_;
  int normal_ = 0, connected_ = 0, complete_ = 0;
  Clock::time_point timed_start_{}, last_{};
  bool finished_ = false;
};

void Client::start(const tcp::resolver::results_type& endpoints) {
  seen_.assign(static_cast<std::size_t>(run_.settings().expect), false);
  const tcp::endpoint endpoint = *endpoints.begin();
  auto& socket = beast::get_lowest_layer(ws_).socket();
  socket.open(endpoint.protocol());
  if (slow_) {
    // A small receive window (set before connecting, so it is what the handshake offers): the
    // server meets this client's slowness within a few frames, not after megabytes of buffering.
    socket.set_option(net::socket_base::receive_buffer_size(4096));
  }
  beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
  beast::get_lowest_layer(ws_).async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return self->run_.connect_failed(ec.message());
    beast::get_lowest_layer(self->ws_).expires_never();
    self->ws_.set_option(
        websocket::stream_base::decorator([origin = self->run_.settings().origin](websocket::request_type& req) {
          if (!origin.empty()) req.set(beast::http::field::origin, origin);
        }));
    self->ws_.read_message_max(64 * 1024 * 1024);
    const auto& t = self->run_.settings().target;
    self->ws_.async_handshake(t.host + ":" + t.port, t.path, [self](beast::error_code ec) {
      if (ec) return self->run_.connect_failed("handshake: " + ec.message());
      self->run_.connected();
      self->read();
    });
  });
}

void Client::read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void Client::on_read(beast::error_code ec) {
  if (ec) {
    closed_ = true;
    close_reason_ = ec == websocket::error::closed
                        ? "closed: " + std::string(ws_.reason().reason.data(), ws_.reason().reason.size())
                        : ec.message();
    if (!slow_) run_.client_closed();
    return;
  }
  const auto data = buffer_.cdata();
  take(std::string_view(static_cast<const char*>(data.data()), data.size()));
  buffer_.consume(buffer_.size());
  if (!slow_) return read();
  pause_.expires_after(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / run_.settings().slow_rate)));
  pause_.async_wait([self = shared_from_this()](beast::error_code) { self->read(); });
}

void Client::take(std::string_view frame) {
  ++frames_;
  const auto now = timed_ ? wall_micros() : 0;
  const long long first = run_.settings().first_seq, expect = run_.settings().expect;
  long long seq = 0;
  for (auto pos = number_after(frame, "\"bseq\":", 0, seq); pos != std::string_view::npos;
       pos = number_after(frame, "\"bseq\":", pos, seq)) {
    const long long i = seq - first;
    if (i < 0 || i >= expect) continue;  // an event of an earlier run, still in a replay buffer
    if (seen_[static_cast<std::size_t>(i)]) {
      ++duplicates_;
      continue;
    }
    seen_[static_cast<std::size_t>(i)] = true;
    ++distinct_;
    run_.event_seen();
    if (seq >= run_.settings().timed_from) run_.timed_event_seen();  // the clock starts after the warm-up
    // The event's send time follows its sequence number ("bts" sorts right after "bseq").
    long long bts = 0;
    if (timed_ && seq >= run_.settings().timed_from &&
        number_after(frame.substr(0, frame.find("\"bseq\":", pos)), "\"bts\":", pos, bts) != std::string_view::npos)
      run_.latency().add(now - bts);
  }
  if (!slow_ && !complete_ && distinct_ == expect) {
    complete_ = true;
    run_.client_complete();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Flags f(argc, argv,
                       {{"url", "127.0.0.1:8765/"},
                        {"origin", ""},
                        {"clients", "1"},
                        {"slow", "0"},
                        {"slow-rate", "2"},
                        {"timed", "1"},
                        {"expect", "1000"},
                        {"first-seq", "0"},
                        {"timeout", "120"},
                        {"timed-from", "0"},
                        {"idle", "0"}});
  Settings s;
  s.target = bench::parse_target(f.str("url"));
  s.origin = f.str("origin");
  s.expect = f.num("expect");
  s.first_seq = f.num("first-seq");
  s.slow_rate = f.real("slow-rate");
  s.timed_from = f.num("timed-from");
  s.idle_s = f.real("idle");
  net::io_context io(1);
  Run run(io, s);
  run.start(static_cast<int>(f.num("clients")), static_cast<int>(f.num("slow")), static_cast<int>(f.num("timed")),
            f.real("timeout"));
  io.run();
}
