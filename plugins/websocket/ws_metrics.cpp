#include "ws_metrics.hpp"

#include <nlohmann/json.hpp>

#include "sluice/metadata_keys.hpp"

namespace sluice::websocket {

namespace {
constexpr const char* kClients = "sluice_websocket_clients";
constexpr const char* kClientsHelp = "Dashboards connected (WebSocket handshake done)";
constexpr const char* kDisconnects = "sluice_websocket_disconnects_total";
constexpr const char* kDisconnectsHelp =
    "Dashboards gone, by reason: slow, client_closed, timeout, message_too_big, write_failed, sink_stopped";
constexpr const char* kAge = "sluice_websocket_event_age_seconds";
constexpr const char* kAgeHelp =
    "Seconds from an event's receipt at ingest (its receivedAt) to its frame going out to the dashboards";
constexpr std::array<const char*, 6> kReasons{"slow",         "client_closed", "timeout", "message_too_big",
                                              "write_failed", "sink_stopped"};
}  // namespace

std::vector<MetricSpec> WsMetrics::specs() {
  return {{kClients, MetricType::gauge, kClientsHelp, {}},
          {kDisconnects, MetricType::counter, kDisconnectsHelp, {"reason"}},
          {kAge, MetricType::histogram, kAgeHelp, {}}};
}

WsMetrics::WsMetrics(const std::shared_ptr<Metrics>& metrics, std::string age_field)
    : age_field_(std::move(age_field)),
      clients_(metrics->gauge(kClients, kClientsHelp)),
      age_(metrics->histogram(kAge, kAgeHelp, latency_buckets())) {
  for (std::size_t i = 0; i < kReasons.size(); ++i) {
    disconnects_[i] = metrics->counter(kDisconnects, kDisconnectsHelp, {{"reason", kReasons[i]}});
  }
}

void WsMetrics::observe_ages(const Batch& batch, std::int64_t sent_ms) const {
  if (age_field_.empty()) return;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Event& e = batch[i];
    const std::string* kind = e.meta().find(metadata_key::sluice_kind);
    if (kind != nullptr) continue;  // a stats event made here, not a click from ingest
    try {
      // A scalar member of a checked payload is read without a DOM (Event::member).
      const auto at = e.member(age_field_);
      if (!at || !at->is_number()) continue;
      const double age_ms = static_cast<double>(sent_ms) - at->get<double>();
      age_.observe(age_ms < 0 ? 0 : age_ms / 1000.0);  // clocks of two hosts may disagree a little
    } catch (const std::exception&) {
      // Not JSON: the hub sends it as an omitted payload; it has no age.
    }
  }
}

}  // namespace sluice::websocket
