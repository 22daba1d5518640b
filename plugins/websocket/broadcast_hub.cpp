#include "broadcast_hub.hpp"

#include <random>

#include <nlohmann/json.hpp>

namespace sluice::websocket {
namespace {

std::string random_epoch() {
  std::mt19937_64 rng{std::random_device{}()};
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(rng()));
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

// Payloads are JSON already; they are spliced into frames as they are, not parsed again.
void append_event(std::string& out, std::uint64_t seq, const std::string& payload) {
  out += "{\"seq\":" + std::to_string(seq) + ",\"data\":" + payload + "}";
}

bool is_json(std::string_view payload) { return nlohmann::json::accept(payload); }

}  // namespace

BroadcastHub::BroadcastHub(std::size_t replay_size, std::size_t snapshot_events)
    : replay_size_(replay_size), snapshot_events_(snapshot_events), epoch_(random_epoch()) {}

std::string BroadcastHub::frame_of(const char* type, std::uint64_t after) const {
  std::string out = std::string("{\"type\":\"") + type + "\",\"epoch\":\"" + epoch_ + "\",\"seq\":" +
                    std::to_string(seq_) + ",\"sentAt\":" + std::to_string(now_ms()) + ",\"state\":" +
                    (state_.empty() ? "null" : state_) + ",\"events\":[";
  bool first = true;
  for (const auto& [seq, payload] : replay_) {
    if (seq <= after) continue;
    if (!first) out += ',';
    append_event(out, seq, payload);
    first = false;
  }
  out += "]}";
  return out;
}

Frame BroadcastHub::join(const std::shared_ptr<Client>& client,
                         std::optional<std::pair<std::string, std::uint64_t>> since) {
  std::lock_guard lock(mutex_);
  clients_.insert(client);
  const std::uint64_t oldest = replay_.empty() ? seq_ + 1 : replay_.front().first;
  if (since && since->first == epoch_ && since->second + 1 >= oldest && since->second <= seq_) {
    return std::make_shared<const std::string>(frame_of("events", since->second));
  }
  // A snapshot carries the state and the last few events, not the whole buffer.
  const std::uint64_t after = seq_ > snapshot_events_ ? seq_ - snapshot_events_ : 0;
  return std::make_shared<const std::string>(frame_of("snapshot", after));
}

void BroadcastHub::leave(const std::shared_ptr<Client>& client) {
  std::lock_guard lock(mutex_);
  clients_.erase(client);
}

void BroadcastHub::clear() {
  std::set<std::shared_ptr<Client>> gone;
  {
    std::lock_guard lock(mutex_);
    gone.swap(clients_);
  }
}

std::size_t BroadcastHub::clients() const {
  std::lock_guard lock(mutex_);
  return clients_.size();
}

void BroadcastHub::publish(const Batch& batch) {
  const std::int64_t sent_at = now_ms();
  std::lock_guard lock(mutex_);
  std::string events;
  bool state_changed = false;
  for (const auto& e : batch) {
    std::string payload(e.payload());
    // A frame must stay valid JSON; a payload already parsed upstream is known to be.
    if (!e.json_parsed() && !is_json(payload)) payload = nlohmann::json(payload).dump();
    const std::string* kind = e.meta().find("sluice.kind");
    if (kind && *kind == "stats") {
      state_ = std::move(payload);
      state_changed = true;
      continue;
    }
    ++seq_;
    if (!events.empty()) events += ',';
    append_event(events, seq_, payload);
    replay_.emplace_back(seq_, std::move(payload));
    if (replay_.size() > replay_size_) replay_.pop_front();
  }
  if (events.empty() && !state_changed) return;
  auto frame = std::make_shared<const std::string>(
      "{\"type\":\"events\",\"epoch\":\"" + epoch_ + "\",\"seq\":" + std::to_string(seq_) +
      ",\"sentAt\":" + std::to_string(sent_at) + (state_changed ? ",\"state\":" + state_ : "") + ",\"events\":[" +
      events + "]}");
  for (const auto& c : clients_) c->deliver(frame);
}

}  // namespace sluice::websocket
