#pragma once
// A real http source on 127.0.0.1, port 0, with its own io_context thread and an Emitter that
// records what it is given and confirms it at once; and a raw TCP client, so tests send exact
// bytes and read exact answers.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sluice/asio.hpp"  // first: see the header

#include "http_source.hpp"

namespace sluice::http::test {

class RecordingEmitter final : public Emitter {
 public:
  bool try_emit(std::vector<Event>& events, AckFn& on_ack) override;
  bool emit(std::vector<Event>& events, AckFn& on_ack) override { return try_emit(events, on_ack); }
  void close() override {}
  void treat_emits_as_requests() override {}
  // The http source never gives up on an event: it answers its client instead.
  bool dead_letter(std::vector<Event>&, const std::string&, const std::string&, AckFn&) override { return false; }

  std::vector<std::string> payloads();
  std::vector<std::string> ids();

 private:
  std::mutex mutex_;
  std::vector<std::string> payloads_;
  std::vector<std::string> ids_;
};

// The click tracker's routes (as pipelines/click-tracker.yaml declares them) as YAML flow-map
// content, "routes: [...]": POST /click (single), POST /clicks (batch), GET /health, and with a
// `folder` its pages: the redirects of /, /frontend and /dashboard and the folder mounted at /.
// `cors_origins`: the flow list both event routes take, e.g. "['*']".
std::string click_routes(const std::string& folder = "", const std::string& cors_origins = "[]");

class TestServer {
 public:
  // `options`: the source's options as YAML flow-map content, e.g. "max_connections: 1";
  // listen defaults to 127.0.0.1:0, and routes to click_routes() when `options` has none.
  explicit TestServer(const std::string& options = "");
  ~TestServer();
  unsigned short port() const { return port_; }
  RecordingEmitter& emitter() { return emitter_; }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  Context context_;
  RecordingEmitter emitter_;
  std::unique_ptr<HttpSource> source_;
  unsigned short port_ = 0;
  std::thread thread_;
};

struct Answer {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  std::string header(const std::string& name) const;  // case-insensitive; empty if absent
};

// A blocking client socket with a deadline on every read.
class RawClient {
 public:
  explicit RawClient(unsigned short port);
  void send(std::string_view bytes);
  // One answer: headers, then Content-Length bytes. nullopt: nothing complete before the deadline
  // or the connection ended first.
  // `to_head`: the answer to a HEAD request, whose Content-Length has no body behind it.
  std::optional<Answer> read_answer(std::chrono::milliseconds deadline = std::chrono::seconds(5), bool to_head = false);
  // Everything until the server closes (or the deadline): for "answered once, then closed".
  std::string read_to_end(std::chrono::milliseconds deadline = std::chrono::seconds(5));
  bool closed_by_server(std::chrono::milliseconds deadline = std::chrono::seconds(5));

 private:
  bool fill(std::chrono::steady_clock::time_point until);
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string pending_;
  bool eof_ = false;
};

// Sends `request` on a new connection and reads one answer.
std::optional<Answer> exchange(unsigned short port, std::string_view request);
// Every answer in `bytes` (as read_to_end returns them).
std::vector<Answer> split_answers(const std::string& bytes);
bool valid_json(const std::string& text);

}  // namespace sluice::http::test
