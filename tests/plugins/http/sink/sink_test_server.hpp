#pragma once
// A small HTTP/1.1 server (Boost.Beast) for the http sink's tests, on 127.0.0.1 with its own
// thread: it records every request it reads, answers from a script (status, headers, body, an
// optional delay, or held until the test releases it), and counts connections. It can go down
// (stop listening, drop every connection) and come back on the same port.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sluice/asio.hpp"  // first: see the header

namespace sluice::http::test {

struct Reply {
  Reply(unsigned code = 200) : status(code) {}  // NOLINT: Reply(503) reads as the answer it is
  Reply& with_body(std::string text) {
    body = std::move(text);
    return *this;
  }
  Reply& with_header(const std::string& name, std::string value) {
    headers[name] = std::move(value);
    return *this;
  }
  Reply& after(std::chrono::milliseconds wait) {
    delay = wait;
    return *this;
  }
  Reply& held() {
    hold = true;
    return *this;
  }
  // Answers with keep-alive, then closes the connection: a server dropping an idle connection.
  Reply& then_close() {
    close = true;
    return *this;
  }
  // Sends an interim (1xx) answer with this status first, as a server sending 103 Early Hints does.
  Reply& interim_first(unsigned code) {
    interim = code;
    return *this;
  }
  // Writes the answer twice in one go, as a broken server (or a wrong Content-Length) may.
  Reply& twice() {
    repeat = true;
    return *this;
  }

  unsigned status = 200;
  std::string body;
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds delay{0};  // answer this much later (a slow server)
  bool hold = false;                   // answer only when the test calls release_held()
  bool close = false;                  // close the connection right after answering
  unsigned interim = 0;                // a 1xx status line sent before the answer; 0: none
  bool repeat = false;                 // the answer written twice
};

struct Received {
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;  // names lowercased
  std::uint64_t connection = 0;                // which accepted connection carried it (1, 2, ...)
  Reply reply;                                 // what the server answered (or will)
  std::chrono::steady_clock::time_point at;    // when it was read
};

class SinkTestServer {
 public:
  SinkTestServer();  // listening on a free port
  ~SinkTestServer();
  SinkTestServer(const SinkTestServer&) = delete;
  SinkTestServer& operator=(const SinkTestServer&) = delete;

  unsigned short port() const { return port_; }
  std::string url(const std::string& path = "/ingest") const;

  // Answers in this order; once used up, `fallback` (200 by default) answers every request.
  void script(std::vector<Reply> replies);
  void set_fallback(Reply reply);
  void release_held();  // answers every held request, and holds no more

  // Down: stops listening and closes every connection (a client gets "connection refused").
  void go_down();
  // Back on the same port.
  void come_back();

  std::vector<Received> requests() const;
  std::size_t request_count() const;
  std::uint64_t connections_accepted() const;
  std::size_t held() const;
  std::size_t most_waiting() const;  // the most requests read and not yet answered at once

 private:
  class Session;
  void listen();
  void do_accept();
  Reply next_reply();

  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  unsigned short port_ = 0;
  std::thread thread_;

  mutable std::mutex mutex_;
  std::deque<Reply> script_;
  Reply fallback_;
  std::vector<Received> received_;
  std::vector<std::function<void()>> held_;
  bool holding_ = true;
  std::uint64_t accepted_ = 0;
  std::size_t waiting_ = 0;
  std::size_t most_waiting_ = 0;
  std::vector<std::weak_ptr<Session>> sessions_;  // io thread only
};

}  // namespace sluice::http::test
