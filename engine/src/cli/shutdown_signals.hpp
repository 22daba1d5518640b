#pragma once
// SIGINT/SIGTERM handling for `sluice run`: the first signal asks the engine to drain and stop,
// a second one exits at once. The signals are blocked in every thread and taken by one thread
// with sigwait(), so no engine code ever runs inside a signal handler.

#include <functional>
#include <thread>

namespace sluice::cli {

class ShutdownSignals {
 public:
  // Must be constructed before any other thread starts, so that all threads inherit the mask.
  ShutdownSignals();
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  // `on_first` runs on the signal thread.
  void start(std::function<void()> on_first);

 private:
  std::thread thread_;
};

}  // namespace sluice::cli
