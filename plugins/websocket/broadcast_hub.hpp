#pragma once
// What every dashboard connection shares: the clients, a bounded replay buffer of recent events
// with sequence numbers, and the latest state (the aggregate's stats event). A batch from the
// pipeline becomes frames for every client, built once.
//
// Frames (JSON text, each at most `max_frame_bytes`):
//   {"type":"snapshot","epoch":E,"seq":N,"sentAt":ms,"state":{...}|null,"events":[{"seq":n,"data":{...}}...]}
//   {"type":"events","epoch":E,"seq":N,"sentAt":ms,"state":{...}?,"events":[...]}              live
//   {"type":"events","epoch":E,"seq":N,"sentAt":ms,"replay":true,"state":{...}|null,"events":[...]} catch-up
// A client that reconnects with ?since=E:N (see since.hpp) gets the events after N from the replay
// buffer as one catch-up frame when the buffer still holds them all and they fit in a frame, else
// a snapshot. A new epoch (the sink restarted) always means a snapshot. A snapshot carries the
// state and the most recent events that fit. A batch too large for one frame goes out as several
// live frames, in order. Snapshot and catch-up frames are built once and shared until the next
// publish.
//
// Every payload is normalised once, at publish, by frame_json(): every frame parses as JSON
// whatever the bytes, and the replay buffer holds the normalised text. An event that carries
// kafka.topic / kafka.partition / kafka.offset at or below the last offset published for its
// partition is a redelivery: it is not published or replayed again.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "sluice/sdk.hpp"

#include "since.hpp"

namespace sluice::websocket {

using Frame = std::shared_ptr<const std::string>;

class Client {
 public:
  virtual ~Client() = default;
  // Queues a frame; never blocks. Called with the hub's lock held: keep it short.
  virtual void deliver(Frame frame) = 0;
};

struct HubLimits {
  std::size_t replay_events = 1000;         // events kept for catch-up
  std::size_t replay_bytes = 8 << 20;       // and their payload bytes at most
  std::size_t snapshot_events = 50;         // recent events in a snapshot, if they fit
  std::size_t max_frame_bytes = 256 << 10;  // no frame is larger (at least 4 KiB)
  std::size_t max_partitions = 4096;        // Kafka partitions whose last offset is remembered
};

class BroadcastHub {
 public:
  explicit BroadcastHub(HubLimits limits);
  BroadcastHub(std::size_t replay_size, std::size_t snapshot_events);

  // Registers the client and returns the first frame it must get, atomically with registration
  // so it misses nothing between the two. Never throws for any `since`.
  Frame join(const std::shared_ptr<Client>& client, std::optional<Since> since);
  void leave(const std::shared_ptr<Client>& client);
  // Forgets every client. Clients hold the hub (through the sink's shared state), so the sink
  // calls this when it goes, or the two would keep each other alive.
  void clear();
  // Delivers the batch's frames to every client. Never throws for any payload bytes.
  void publish(const Batch& batch);
  std::size_t clients() const;
  const std::string& epoch() const { return epoch_; }
  const HubLimits& limits() const { return limits_; }
  std::size_t replay_bytes() const;

 private:
  struct Entry {
    std::uint64_t seq;
    std::string json;  // normalised payload
  };
  // The caller holds mutex_ for all of these.
  bool redelivered(const Event& e);
  void remember(std::uint64_t seq, std::string json);
  std::string head(const char* type, std::uint64_t seq, bool replayed, const std::string* state) const;
  Frame snapshot();
  Frame catch_up(std::uint64_t after);

  const HubLimits limits_;
  const std::string epoch_;
  mutable std::mutex mutex_;
  std::uint64_t seq_ = 0;
  std::deque<Entry> replay_;
  std::size_t replay_bytes_ = 0;
  std::string state_;                                        // latest stats payload (normalised), or empty
  Frame snapshot_;                                           // cached until the next publish
  std::optional<std::pair<std::uint64_t, Frame>> catch_up_;  // (after, frame), likewise
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> published_;  // last offset per partition
  std::set<std::shared_ptr<Client>> clients_;
};

}  // namespace sluice::websocket
