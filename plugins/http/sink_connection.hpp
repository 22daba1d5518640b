#pragma once
// One keep-alive connection of the `http` sink's pool: resolves and connects on first use, then
// makes one exchange (request, answer) at a time. Everything runs on the sink's strand, including
// the callback, so the sink's state needs no lock. One timer bounds a whole exchange (resolving,
// connecting, writing, reading the answer): past it the socket is closed and the exchange ends
// with a timeout error.
//
// Lifetime: shared_from_this is bound into every handler. The sink stops the io_context before it
// is destroyed, so a callback never runs after the sink is gone; the connection itself may be
// destroyed later, with the io_context's pending handlers, and then touches nothing else.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sluice/asio.hpp"  // first: see the header

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "sink_url.hpp"

namespace sluice::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using SinkRequest = bhttp::request<bhttp::string_body>;

// How an exchange ended.
struct ExchangeOutcome {
  beast::error_code error;  // set when no complete status line and headers came
  bool stale = false;       // error on a reused connection before any byte of an answer: the
                            // server had closed it while idle (retry at once on a new one)
  unsigned status = 0;      // when !error
  std::string retry_after;  // the Retry-After header, when present
  std::string location;     // the Location header, when present
  std::string body;         // at most kMaxAnswerBody bytes of the answer's body
  bool reusable = false;    // the connection may carry another request
};

class SinkConnection : public std::enable_shared_from_this<SinkConnection> {
 public:
  // Answers larger than this are read no further: the status decides, the connection closes.
  static constexpr std::size_t kMaxAnswerBody = 64 * 1024;
  static constexpr std::size_t kMaxAnswerHeader = 16 * 1024;
  using Done = std::function<void(ExchangeOutcome)>;

  SinkConnection(boost::asio::strand<boost::asio::io_context::executor_type> strand, const SinkUrl& url,
                 std::chrono::milliseconds timeout);

  void exchange(std::shared_ptr<SinkRequest> request, Done done);
  void close();
  bool is_open() const { return socket_.is_open(); }
  std::uint64_t exchanges() const { return exchanges_; }
  std::chrono::steady_clock::time_point idle_since() const { return idle_since_; }

 private:
  void on_resolve(beast::error_code ec, const boost::asio::ip::tcp::resolver::results_type& results);
  void do_write();
  void on_write(beast::error_code ec);
  void on_header(beast::error_code ec);
  void on_body(beast::error_code ec);
  void finish(beast::error_code ec);

  const SinkUrl& url_;
  const std::chrono::milliseconds timeout_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer deadline_;
  beast::flat_buffer buffer_;
  std::shared_ptr<SinkRequest> request_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
  Done done_;
  bool busy_ = false;
  std::uint64_t generation_ = 0;
  bool timed_out_ = false;
  bool reused_ = false;
  std::uint64_t exchanges_ = 0;
  std::chrono::steady_clock::time_point idle_since_{};
};

}  // namespace sluice::http
