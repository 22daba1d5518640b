#pragma once
// A named in-process channel: the bus that lets pipelines of one engine feed each other without
// a broker. Any number of `inproc` sinks write to a channel; exactly one `inproc` source reads it.
//
// Delivery is end to end: a write is acknowledged to the writing pipeline only when the reading
// pipeline's sinks have accepted the events, and a full reader pushes back on its writers.
// The reader closes once its writers are all gone (after having had some) or when it is stopped
// while none is left, so a chain of pipelines drains upstream first on shutdown.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sluice/sdk.hpp"

namespace sluice::inproc {

class Channel {
 public:
  explicit Channel(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }

  // Reader side. claim_reader() throws ConfigError when another source reads the channel.
  void claim_reader();
  void release_reader();
  void attach(Emitter& out);
  void reader_stopping();

  // Writer side.
  void add_writer();
  void remove_writer();
  // Hands the events to the reader (waiting while its queue is full). false with `why` when no
  // reader can take them; the events stay with the caller then and `on_ack` is not consumed.
  bool write(std::vector<Event>& events, AckFn& on_ack, std::string& why);

 private:
  void close_if_done(std::unique_lock<std::mutex>& lock);

  const std::string name_;
  std::mutex mutex_;
  std::condition_variable attached_;
  bool reader_claimed_ = false;
  Emitter* reader_ = nullptr;
  bool stopping_ = false;
  bool closed_ = false;
  int writers_ = 0;
  bool had_writers_ = false;
};

// Channels by name. A channel lives while any inproc component uses it.
std::shared_ptr<Channel> channel(const std::string& name);

// The option every inproc component has.
void add_channel_option(OptionTable& table);

}  // namespace sluice::inproc
