#include "inproc_channel.hpp"

#include <map>

namespace sluice::inproc {

void add_channel_option(OptionTable& table) {
  table
      .add("channel", OptionType::string,
           "Name of the in-process channel; the inproc sinks and the one inproc "
           "source that share a name are connected")
      .required()
      .example("clicks");
}

std::shared_ptr<Channel> channel(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<Channel>> channels;
  std::lock_guard lock(mutex);
  auto& slot = channels[name];
  auto existing = slot.lock();
  if (existing) return existing;
  auto fresh = std::make_shared<Channel>(name);
  slot = fresh;
  return fresh;
}

void Channel::claim_reader() {
  std::lock_guard lock(mutex_);
  if (reader_claimed_) {
    throw ConfigError("channel",
                      "channel '" + name_ + "' already has an inproc source; a channel has exactly one reader");
  }
  reader_claimed_ = true;
}

void Channel::release_reader() {
  {
    std::lock_guard lock(mutex_);
    reader_claimed_ = false;
    reader_ = nullptr;
  }
  attached_.notify_all();
}

void Channel::attach(Emitter& out) {
  std::unique_lock lock(mutex_);
  reader_ = &out;
  attached_.notify_all();
  close_if_done(lock);
}

void Channel::reader_stopping() {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  close_if_done(lock);
}

void Channel::add_writer() {
  std::lock_guard lock(mutex_);
  ++writers_;
  had_writers_ = true;
}

void Channel::remove_writer() {
  std::unique_lock lock(mutex_);
  --writers_;
  close_if_done(lock);
}

void Channel::close_if_done(std::unique_lock<std::mutex>& lock) {
  if (closed_ || reader_ == nullptr || writers_ > 0 || !(stopping_ || had_writers_)) return;
  closed_ = true;
  Emitter* reader = reader_;
  lock.unlock();
  reader->close();
  attached_.notify_all();
}

bool Channel::write(std::vector<Event>& events, AckFn& on_ack, std::string& why) {
  std::unique_lock lock(mutex_);
  if (!reader_claimed_) {
    why = "no inproc source reads channel '" + name_ + "' (is the reading pipeline left out by --only?)";
    return false;
  }
  // At start-up the writer's pipeline may run before the reader's source is attached.
  attached_.wait(lock, [&] { return reader_ != nullptr || closed_ || !reader_claimed_; });
  if (closed_ || reader_ == nullptr) {
    why = "the inproc source of channel '" + name_ + "' has stopped";
    return false;
  }
  Emitter* reader = reader_;
  lock.unlock();
  // The reader stays valid: it closes only after every writer is gone, and this writer is not.
  if (!reader->emit(events, on_ack)) {
    why = "the pipeline reading channel '" + name_ + "' is shutting down";
    return false;
  }
  return true;
}

}  // namespace sluice::inproc
