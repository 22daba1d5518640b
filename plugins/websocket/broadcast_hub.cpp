#include "broadcast_hub.hpp"

#include <algorithm>
#include <charconv>
#include <random>
#include <vector>

#include "frame_json.hpp"
#include "sluice/metadata_keys.hpp"

namespace sluice::websocket {
namespace {

std::string random_epoch() {
  std::mt19937_64 rng{std::random_device{}()};
  char out[kEpochDigits + 1];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(rng()));
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

// {"seq":n,"data":...}: 16 characters besides the number and the payload.
void append_event(std::string& out, std::uint64_t seq, const std::string& json) {
  out += "{\"seq\":";
  out += std::to_string(seq);
  out += ",\"data\":";
  out += json;
  out += '}';
}

std::size_t event_size(std::uint64_t seq, const std::string& json) {
  return 16 + std::to_string(seq).size() + json.size();
}

// The longest head() can be without its state: type, epoch, a 20-digit seq and sentAt,
// "replay":true, and the "state": / "events":[ / ]} punctuation.
constexpr std::size_t kHeadMax = 160;
static_assert(kHeadMax + 16 + 20 <= kFrameOverhead, "one event and a head must fit in the overhead");

template <class T>
bool parse_int(const std::string* text, T& out) {
  if (text == nullptr || text->empty()) return false;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), out);
  return ec == std::errc{} && end == text->data() + text->size();
}

// Whether the event's payload is JSON text: json_type() answers from what json_validate learnt
// already (no second parse), else checks the text once, without a DOM.
bool checked_json(const Event& e) {
  try {
    (void)e.json_type();
    return true;
  } catch (const EventError&) {
    return false;
  }
}

// The payload as frame text. payload() serialises an edited payload, which can throw.
std::string normalised(const Event& e, std::size_t max_bytes, bool& omitted) {
  try {
    const std::string_view payload = e.payload();
    return frame_json(payload, max_bytes, &omitted, payload.size() <= max_bytes + 3 && checked_json(e));
  } catch (const std::exception&) {
    omitted = true;
    return omitted_json("payload could not be serialised", 0);
  }
}

}  // namespace

BroadcastHub::BroadcastHub(HubLimits limits) : limits_(limits), epoch_(random_epoch()) {}

BroadcastHub::BroadcastHub(std::size_t replay_size, std::size_t snapshot_events)
    : BroadcastHub(HubLimits{.replay_events = replay_size, .snapshot_events = snapshot_events}) {}

std::string BroadcastHub::head(const char* type, std::uint64_t seq, bool replayed, const std::string* state) const {
  std::string out = std::string("{\"type\":\"") + type + "\",\"epoch\":\"" + epoch_ +
                    "\",\"seq\":" + std::to_string(seq) + ",\"sentAt\":" + std::to_string(now_ms());
  if (replayed) out += ",\"replay\":true";
  if (state != nullptr) out += ",\"state\":" + (state->empty() ? std::string("null") : *state);
  out += ",\"events\":[";
  return out;
}

Frame BroadcastHub::snapshot() {
  if (snapshot_) return snapshot_;
  // The most recent events that fit, newest first, then sent oldest first.
  std::size_t budget = limits_.max_frame_bytes - kHeadMax - state_.size();
  std::size_t taken = 0;
  auto first = replay_.end();
  while (first != replay_.begin() && taken < limits_.snapshot_events) {
    const auto& e = *std::prev(first);
    const std::size_t size = event_size(e.seq, e.json) + 1;
    if (size > budget) break;
    budget -= size;
    --first;
    ++taken;
  }
  std::string out = head("snapshot", seq_, false, &state_);
  for (auto it = first; it != replay_.end(); ++it) {
    if (it != first) out += ',';
    append_event(out, it->seq, it->json);
  }
  out += "]}";
  snapshot_ = std::make_shared<const std::string>(std::move(out));
  return snapshot_;
}

Frame BroadcastHub::catch_up(std::uint64_t after) {
  if (catch_up_ && catch_up_->first == after) return catch_up_->second;
  const auto first = std::upper_bound(replay_.begin(), replay_.end(), after,
                                      [](std::uint64_t s, const Entry& e) { return s < e.seq; });
  std::size_t size = kHeadMax + state_.size();
  for (auto it = first; it != replay_.end(); ++it) size += event_size(it->seq, it->json) + 1;
  if (size > limits_.max_frame_bytes) return snapshot();  // what it missed does not fit in a frame
  std::string out = head("events", seq_, true, &state_);
  for (auto it = first; it != replay_.end(); ++it) {
    if (it != first) out += ',';
    append_event(out, it->seq, it->json);
  }
  out += "]}";
  catch_up_.emplace(after, std::make_shared<const std::string>(std::move(out)));
  return catch_up_->second;
}

Frame BroadcastHub::join(const std::shared_ptr<Client>& client, std::optional<Since> since) {
  std::lock_guard lock(mutex_);
  clients_.insert(client);
  const std::uint64_t oldest = replay_.empty() ? seq_ + 1 : replay_.front().seq;
  if (since && since->first == epoch_ && since->second <= seq_ && since->second + 1 >= oldest) {
    return catch_up(since->second);
  }
  return snapshot();
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

std::size_t BroadcastHub::replay_bytes() const {
  std::lock_guard lock(mutex_);
  return replay_bytes_;
}

bool BroadcastHub::redelivered(const Event& e) {
  const auto& meta = e.meta();
  const std::string* topic = meta.find(metadata_key::kafka_topic);
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  if (topic == nullptr || !parse_int(meta.find(metadata_key::kafka_partition), partition) ||
      !parse_int(meta.find(metadata_key::kafka_offset), offset)) {
    return false;  // not from Kafka: nothing says it is a redelivery
  }
  auto key = std::make_pair(*topic, partition);
  if (const auto it = published_.find(key); it != published_.end()) {
    if (offset <= it->second) return true;
    it->second = offset;
    return false;
  }
  // Bounded: a partition forgotten here only loses the duplicate check for its next redelivery.
  if (published_.size() >= limits_.max_partitions) published_.erase(published_.begin());
  published_.emplace(std::move(key), offset);
  return false;
}

void BroadcastHub::remember(std::uint64_t seq, std::string json) {
  replay_bytes_ += json.size();
  replay_.push_back({seq, std::move(json)});
  while (!replay_.empty() && (replay_.size() > limits_.replay_events || replay_bytes_ > limits_.replay_bytes)) {
    replay_bytes_ -= replay_.front().json.size();
    replay_.pop_front();
  }
}

void BroadcastHub::publish(const Batch& batch) {
  const std::size_t max_payload = limits_.max_frame_bytes - kFrameOverhead;
  // Normalised outside the lock: it is the costly part, and needs nothing shared.
  std::vector<std::string> texts;
  std::vector<bool> omitted(batch.size());
  texts.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    bool o = false;
    texts.push_back(normalised(batch[i], max_payload, o));
    omitted[i] = o;
  }

  std::lock_guard lock(mutex_);
  std::vector<Entry> fresh;
  bool state_changed = false;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Event& e = batch[i];
    if (redelivered(e)) continue;
    const std::string* kind = e.meta().find(metadata_key::sluice_kind);
    if (kind && *kind == "stats") {
      // A state that cannot be kept is no state (null), not a placeholder a dashboard cannot read.
      state_ = omitted[i] ? std::string() : std::move(texts[i]);
      state_changed = true;
      continue;
    }
    fresh.push_back({++seq_, std::move(texts[i])});
  }
  if (fresh.empty() && !state_changed) return;
  snapshot_.reset();
  catch_up_.reset();

  // Live frames in order, each under the cap; the first carries the new state.
  std::vector<Frame> frames;
  std::uint64_t last_seq = seq_ - fresh.size();
  std::string body;
  bool with_state = state_changed;
  const auto flush = [&] {
    frames.push_back(std::make_shared<const std::string>(
        head("events", last_seq, false, with_state ? &state_ : nullptr) + body + "]}"));
    body.clear();
    with_state = false;
  };
  for (auto& entry : fresh) {
    const std::size_t used = kHeadMax + (with_state ? state_.size() : 0) + body.size();
    if (used + event_size(entry.seq, entry.json) + 1 > limits_.max_frame_bytes && (!body.empty() || with_state)) {
      flush();
    }
    if (!body.empty()) body += ',';
    append_event(body, entry.seq, entry.json);
    last_seq = entry.seq;
    remember(entry.seq, std::move(entry.json));
  }
  if (!body.empty() || with_state) flush();
  for (const auto& frame : frames) {
    for (const auto& c : clients_) c->deliver(frame);
  }
}

}  // namespace sluice::websocket
