#pragma once
// What every dashboard connection shares: the clients, a bounded replay buffer of recent events
// with sequence numbers, and the latest state (the aggregate's stats event). A batch from the
// pipeline becomes one frame for every client, built once.
//
// Frames (JSON text):
//   {"type":"snapshot","epoch":E,"seq":N,"state":{...}|null,"events":[{"seq":n,"data":{...}}...],"sentAt":ms}
//   {"type":"events","epoch":E,"seq":N,"events":[...],"state":{...}?,"sentAt":ms}
// A client that reconnects with ?since=E:N gets the events after N from the replay buffer (as an
// "events" frame) when it still holds them, else a snapshot. A new epoch (the sink restarted)
// always means a snapshot.

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "sluice/sdk.hpp"

namespace sluice::websocket {

using Frame = std::shared_ptr<const std::string>;

class Client {
 public:
  virtual ~Client() = default;
  // Queues a frame; never blocks. Called with the hub's lock held: keep it short.
  virtual void deliver(Frame frame) = 0;
};

class BroadcastHub {
 public:
  BroadcastHub(std::size_t replay_size, std::size_t snapshot_events);

  // Registers the client and returns the first frame it must get, atomically with registration
  // so it misses nothing between the two.
  Frame join(const std::shared_ptr<Client>& client, std::optional<std::pair<std::string, std::uint64_t>> since);
  void leave(const std::shared_ptr<Client>& client);
  // Forgets every client. Clients hold the hub (through the sink's shared state), so the sink
  // calls this when it goes, or the two would keep each other alive.
  void clear();
  void publish(const Batch& batch);
  std::size_t clients() const;
  const std::string& epoch() const { return epoch_; }

 private:
  std::string frame_of(const char* type, std::uint64_t after) const;  // caller holds mutex_

  const std::size_t replay_size_;
  const std::size_t snapshot_events_;
  const std::string epoch_;
  mutable std::mutex mutex_;
  std::uint64_t seq_ = 0;
  std::deque<std::pair<std::uint64_t, std::string>> replay_;  // (seq, payload JSON)
  std::string state_;                                         // latest stats payload, or empty
  std::set<std::shared_ptr<Client>> clients_;
};

}  // namespace sluice::websocket
