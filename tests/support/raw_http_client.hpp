#pragma once
// A blocking HTTP/1.1 client over a plain socket, with a deadline on every read: tests send exact
// bytes to a real engine's http source and read exact answers, and can tell "no answer yet" (the
// sink still holds the click) from an answer. The same shape as tests/plugins/http's RawClient,
// which is compiled into the http unit tests only; this one serves tests that load the real plugin.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::test {

struct HttpAnswer {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  std::string header(std::string_view name) const;  // case-insensitive; empty when absent
};

class RawHttpClient {
 public:
  explicit RawHttpClient(unsigned short port);  // connects to 127.0.0.1:port; throws on failure
  ~RawHttpClient();
  RawHttpClient(const RawHttpClient&) = delete;
  RawHttpClient& operator=(const RawHttpClient&) = delete;

  void send(std::string_view bytes);
  // One answer (headers, then Content-Length bytes). nullopt: none complete before the deadline,
  // or the connection ended first.
  std::optional<HttpAnswer> read_answer(std::chrono::milliseconds deadline = std::chrono::seconds(10));
  // True once the server closed the connection (before the deadline).
  bool closed_by_server(std::chrono::milliseconds deadline = std::chrono::seconds(10));

 private:
  bool fill(std::chrono::steady_clock::time_point until);
  int fd_ = -1;
  std::string pending_;
  bool eof_ = false;
};

// A POST of `body` to `path` with Content-Type application/json, `extra_headers` ("Name: v\r\n"...).
std::string json_post(std::string_view path, std::string_view body, std::string_view extra_headers = {});

}  // namespace sluice::test
