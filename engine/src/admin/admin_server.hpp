#pragma once
// The engine's admin endpoint: a small HTTP/1.1 server (Boost.Beast) on an io_context and thread
// of its own, so that it keeps answering while pipelines start, reload, drain or are stuck, and
// whatever the shared I/O context of the plugins is doing. What each path answers:
// admin_routes.hpp.
//
// Bounded like the http source: at most max_connections connections (one more is closed at once),
// request line and headers up to 8 KiB, a body up to 4 KiB (no route reads one), 10 s to send a
// request and 30 s idle between requests on a kept-alive connection, 10 s to take an answer.
// No authentication: it listens on loopback by default. POST /reload refuses any request with an
// Origin header (403), so that no web page (cross-site, or through DNS rebinding) can trigger one;
// Prometheus, curl and scripts send none.

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "admin/admin_handlers.hpp"
#include "sluice/log.hpp"

namespace sluice::admin {

// The endpoint could not be opened (address in use, not an address): a startup error.
struct AdminStartError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct AdminLimits {
  int max_connections = 32;
  std::size_t header_limit = 8 * 1024;
  std::size_t body_limit = 4 * 1024;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds write_timeout{10'000};
};

class AdminServer {
 public:
  // Binds `listen` (host:port; port 0 picks a free one) at once: a port in use throws
  // AdminStartError naming the address and the setting, before any pipeline starts.
  AdminServer(const std::string& listen, AdminHandlers handlers, AdminLimits limits = {});
  ~AdminServer();  // stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Starts serving on its own thread and logs "admin endpoint listening on http://HOST:PORT".
  void start();
  // Closes the listener and every connection, waits for a running reload handler, joins the
  // thread. Idempotent.
  void stop();
  unsigned short port() const;

  struct State;  // the io_context, the acceptor and what the connections share

 private:
  std::shared_ptr<State> state_;
  std::thread thread_;
  bool started_ = false;
};

}  // namespace sluice::admin
