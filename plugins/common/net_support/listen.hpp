#pragma once
// Opening the listening socket of a network plugin from its `listen` option (the listener option
// group): one parser and one set of error messages for every plugin that accepts connections.
// Plugin-side code (plugins/common, library sluice_net_support), not part of the SDK.

#include <linux/filter.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "sluice/asio.hpp"
#include "sluice/errors.hpp"
#include "sluice/validation.hpp"

namespace sluice {

// "host:port" with an IP address or localhost, an IPv6 address in brackets; the port is 1 to 5
// decimal digits, at most 65535 (0: any free port). Strict on purpose: a lenient parse once took
// "[::1:5000" as [::]:5000, every interface. A refusal is a ConfigError at `listen`.
inline boost::asio::ip::tcp::endpoint parse_listen(const std::string& listen) {
  const auto refused = [&] {
    return ConfigError("listen", "expected host:port with an IP address (or localhost), got '" + listen + "'");
  };
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw refused();
  std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) {
    host = host.substr(1, host.size() - 2);
  } else if (host.find_first_of("[]:") != std::string::npos) {
    throw refused();  // an IPv6 address without brackets, or a bracket that does not close
  }
  if (!bracketed && (host.empty() || host == "localhost")) host = "127.0.0.1";
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec || address.is_v6() != bracketed) throw refused();
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) throw refused();
  const int number = std::stoi(port);
  if (number > 65535) throw refused();
  return {address, static_cast<unsigned short>(number)};
}

// The check step's part for a `listen` option: the address parses, and no other component of the
// file listens on the same address and port (the second would fail to bind in `run`). Port 0 (a
// free port the system picks) claims nothing. Addresses are compared as written after parsing:
// 0.0.0.0:80 and 127.0.0.1:80 are not seen to collide here; `run` still refuses them.
inline void check_listen(const std::string& listen, ValidationContext& check) {
  check.attempt([&] {
    const auto endpoint = parse_listen(listen);
    if (endpoint.port() == 0) return;
    const std::string where = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    check.claim("tcp " + where, "listen", "another component listens on " + where + " already");
  });
}

// With two listeners on one address (the old and the new instance of a pipeline during a
// reload), the kernel would spread new connections over both, and those waiting in the old one's
// accept queue when it closes would be reset. A classic BPF program on the SO_REUSEPORT group
// that answers "1" sends every new connection to the second socket of the group, the newest:
// the old one only serves what it had. Once the old one is closed the group has one socket, 1 is
// out of range, and the kernel picks by hash among the one: the program is inert. Best effort: a
// kernel without SO_ATTACH_REUSEPORT_CBPF spreads connections as before.
inline void steer_new_connections_here(boost::asio::ip::tcp::acceptor& acceptor) {
  sock_filter code[] = {{BPF_RET | BPF_K, 0, 0, 1}};
  sock_fprog program{1, code};
  ::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program, sizeof program);
}

// What is left in a listener's accept queue, taken without waiting, so that closing it resets no
// connection (a reload's old listener: new connections go to the new one). For each connection
// taken, `serve(socket)`; call on the acceptor's strand, before close().
template <class Serve>
void accept_what_is_queued(boost::asio::ip::tcp::acceptor& acceptor, boost::asio::io_context& io, Serve serve) {
  boost::system::error_code ec;
  acceptor.non_blocking(true, ec);
  for (int i = 0; !ec && i < 4096; ++i) {  // bounded: the queue is, and steering keeps it from growing
    boost::asio::ip::tcp::socket socket(boost::asio::make_strand(io));
    acceptor.accept(socket, ec);
    if (ec) break;
    serve(std::move(socket));
  }
}

// Bound and listening on a strand of `io`. Bound when the component is made, so a port in use is
// reported with the `listen` option before anything runs.
inline std::unique_ptr<boost::asio::ip::tcp::acceptor> open_acceptor(boost::asio::io_context& io,
                                                                     const std::string& listen) {
  namespace net = boost::asio;
  const auto endpoint = parse_listen(listen);
  auto acceptor = std::make_unique<net::ip::tcp::acceptor>(net::make_strand(io));
  boost::system::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  // A reload starts the new pipeline before the old one stops (sluice/thread_model.hpp): its
  // listener binds the same address beside the old one, so that no connection is refused
  // during the swap. Another program's listener (without SO_REUSEPORT) still refuses the bind.
  if (!ec) acceptor->set_option(net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw ConfigError("listen", "cannot listen on " + listen + ": " + ec.message());
  steer_new_connections_here(*acceptor);
  return acceptor;
}

// The wait before the next accept after accept failed. A failing accept (EMFILE: out of file
// descriptors) fails again at once, so retrying at once spins a core and floods the log; the
// wait starts at 10 ms, doubles on every failure up to 1 s, and goes back to 0 on a success.
// Pure arithmetic, so it can be tested; the caller owns the timer (see AcceptRetry).
class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds first{10};
  static constexpr std::chrono::milliseconds most{1000};

  // After a failed accept: how long to wait before the next one.
  std::chrono::milliseconds failed() {
    next_ = next_.count() == 0 ? first : std::min(next_ * 2, most);
    return next_;
  }
  void succeeded() { next_ = std::chrono::milliseconds{0}; }
  std::chrono::milliseconds current() const { return next_; }

 private:
  std::chrono::milliseconds next_{0};
};

// An AcceptBackoff with its timer, for an accept loop on the acceptor's strand:
//   on error: retry_.after_failure([this] { do_accept(); });   on success: retry_.succeeded();
// cancel() (from stop(), on the same strand) drops a pending retry; the timer's handler never
// runs `retry` once cancelled, so it may capture a `this` that the cancel outlives.
class AcceptRetry {
 public:
  template <class Executor>
  explicit AcceptRetry(const Executor& ex) : timer_(ex) {}

  template <class Retry>
  void after_failure(Retry retry) {
    timer_.expires_after(backoff_.failed());
    timer_.async_wait([retry = std::move(retry)](const boost::system::error_code& ec) {
      if (!ec) retry();
    });
  }
  void succeeded() { backoff_.succeeded(); }
  void cancel() { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
  AcceptBackoff backoff_;
};

}  // namespace sluice
