#pragma once
// What the http source and its connections share. Connections hold it by shared_ptr, so it
// outlives the source if a connection's last handler runs late; such a late handler only closes
// its socket.

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_set>

#include "http_metrics.hpp"
#include "net_support/origin_policy.hpp"
#include "rate_limiter.hpp"
#include "route_table.hpp"
#include "sluice/sdk.hpp"

namespace sluice::http {

class Session;

struct HttpShared {
  HttpShared(const Options& o, Context& c);

  Context& context;
  Emitter* out = nullptr;  // set by start(); the pipeline outlives every handler that runs
  const HostPolicy hosts;
  const RouteTable routes;
  const std::size_t max_body;
  const std::size_t max_batch;
  const int max_connections;
  const std::chrono::milliseconds read_timeout;
  const std::chrono::milliseconds idle_timeout;
  const std::chrono::milliseconds ack_timeout;
  const std::string retry_after;  // seconds, for the Retry-After header
  const bool answer_after_delivery;
  const bool expose_client_address;
  const TrustedProxies trusted_proxies;
  ClientRateLimiter limiter;
  HttpMetrics metrics;

  std::atomic<bool> stopping{false};
  std::atomic<int> connections{0};

  // Stopping: the emitter is closed only once the listener is closed and no connection is in the
  // middle of a request (accepted and not yet answered its first one, or reading, handling or
  // answering one), so every request taken in is answered (503 after the stop) before the pipeline
  // can finish. A reload tears the old pipeline down, its I/O context with it, as soon as it
  // finished: a connection still waiting for its request would end with no answer. A kept-alive
  // connection idle between requests does not hold the stop; it is closed with the pipeline.
  std::atomic<int> busy{0};
  std::atomic<bool> listener_closed{false};
  void close_out_when_done();

  // A kept-alive connection idle at the stop could otherwise be closed with the pipeline just as
  // its client sends the next request on it, which the client sees as a reset. So the stop wakes
  // every open connection (Session::wake_for_stop): one idle between requests then holds the stop
  // until its next request is answered (503, Connection: close) or a short grace ends. Sessions
  // are added and removed once per connection, never per request.
  std::mutex sessions_mutex;
  std::unordered_set<Session*> sessions;
  std::atomic<int> waking{0};  // woken, not yet run wake_for_stop: holds the stop like busy
  void wake_sessions_for_stop();
  void forget_out();  // ~HttpSource: a connection that ends later must not reach the pipeline
  std::atomic<bool> out_closed{false};
  std::mutex out_mutex;  // out against forget_out()
};

}  // namespace sluice::http
