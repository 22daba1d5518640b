#pragma once
// The websocket sink's own metrics (Context::metrics): clients connected, disconnects by reason,
// and the age of each event when its frame goes out: from its receipt at ingest (the `receivedAt`
// that enrich writes, Unix milliseconds) to the frame's `sentAt`, the figure the dashboard
// computes client side. Every handle is made in the constructor; updates are relaxed atomic adds.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sluice/sdk.hpp"

namespace sluice::websocket {

enum class DisconnectReason {
  slow,             // fell max_queue frames or max_client_bytes behind (slow_client: disconnect)
  client_closed,    // the client closed, or the connection reset
  timeout,          // no answer to pings within idle_timeout
  message_too_big,  // sent a message over read_message_max
  write_failed,     // a frame could not be written
  sink_stopped,     // the sink went (shutdown, or its pipeline reloads)
};

class WsMetrics {
 public:
  // `age_field`: the payload member with the ingest time; empty: no ages observed.
  WsMetrics(const std::shared_ptr<Metrics>& metrics, std::string age_field);

  void connected() const { clients_.add(1); }
  void disconnected(DisconnectReason why) const {
    clients_.add(-1);
    disconnects_[static_cast<std::size_t>(why)].inc();
  }
  // Each event's age at `sent_ms` (Unix ms), for events that carry the age field as a number.
  void observe_ages(const Batch& batch, std::int64_t sent_ms) const;

  static std::vector<MetricSpec> specs();

 private:
  const std::string age_field_;
  Gauge clients_;
  std::array<Counter, 6> disconnects_;
  Histogram age_;
};

}  // namespace sluice::websocket
