#pragma once
// One client connection, in the shape of Boost.Beast's async server example: a strand per
// connection, shared_from_this in every handler, do_x/on_x pairs, a body limit and timeouts on
// the stream. What each path answers comes from the source's routes (route_table.hpp). An event is
// answered only once the pipeline has acknowledged it (ack: delivered).

#include <array>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include "sluice/asio.hpp"  // first: see the header

#include <nlohmann/json_fwd.hpp>

#include "http_shared.hpp"

namespace sluice::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// Every request gets exactly one answer, with a JSON body (files aside; 204 and HEAD have none):
// a request it cannot parse gets 400 (431 for headers over 16 KiB, 413 for a body over max_body)
// and the connection closes. A connection over max_connections gets 503 at once and closes.
// Drive it with any bytes over a socket (the fuzz target does): construct with an accepted socket
// and a HttpShared, then run().
class Session : public std::enable_shared_from_this<Session> {
 public:
  static constexpr std::size_t header_limit = 16 * 1024;

  Session(tcp::socket&& socket, std::shared_ptr<HttpShared> shared, bool over_limit);
  ~Session();
  void run();
  boost::asio::any_io_executor executor() { return stream_.get_executor(); }
  // The source is stopping (HttpShared::wake_sessions_for_stop); runs on this connection's strand.
  // Idle between requests, it holds the stop for at most stop_grace: a client still using the
  // connection gets its next request answered (503, Connection: close) instead of a reset.
  void wake_for_stop();
  static constexpr std::chrono::seconds stop_grace{1};

 private:
  using Request = bhttp::request<bhttp::string_body>;
  using Response = bhttp::response<bhttp::string_body>;

  void start();
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void handle(Request&& req);
  // An events route: Origin, CORS preflight, method and content type, then handle_body.
  void handle_events(const Request& req, const Route& route, const std::string& path, const std::string& origin);
  void handle_health(const Request& req, const std::string& path);
  // The body becomes events (one, or a batch), rate-limited, emitted, answered.
  void handle_body(const Request& req, bool batch);
  void answer_ack(const AckResult& result, const std::vector<std::string>& ids, std::uint64_t request);
  void send(Response&& res);
  void send_json(bhttp::status status, const nlohmann::json& body,
                 std::initializer_list<std::pair<bhttp::field, std::string_view>> headers = {});
  void send_json_text(bhttp::status status, std::string body,
                      std::initializer_list<std::pair<bhttp::field, std::string_view>> headers = {});
  void send_unavailable(const std::string& why);
  void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);
  void do_close();
  void do_drain();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<HttpShared> shared_;
  const bool over_limit_;
  // The request being answered: its version, keep-alive and CORS headers shape the response.
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;
  std::string allow_origin_;
  // The last Host header the host policy allowed on this connection: a keep-alive client sends
  // the same one with every request, and checking it again costs a parse of the name.
  std::string allowed_host_;
  Response response_;
  // When the request being answered was read in full, for its duration metric; unset for an
  // answer to no request (over max_connections, bytes that are not HTTP).
  std::optional<std::chrono::steady_clock::time_point> request_read_at_;
  std::optional<boost::asio::steady_timer> ack_timer_;
  bool answered_ = false;
  bool busy_ = true;   // counted in shared_->busy: not idle between requests (http_shared.hpp)
  bool idle_ = false;  // waiting for the next request on a kept-alive connection
  std::optional<boost::asio::steady_timer> stop_timer_;  // the grace of wake_for_stop
  void set_busy(bool busy);
  // Counts requests on this connection: a late ack (after its request timed out and the client sent
  // another) must not answer the newer request.
  std::uint64_t request_ = 0;
  std::array<char, 512> drain_;  // what a closing client still sends is read into this and dropped
};

}  // namespace sluice::http
