#pragma once
// SIGINT/SIGTERM handling for `sluice run`: the first signal asks the engine to drain and stop,
// a second one exits at once. SIGHUP asks for a reload (cli/reloader.hpp). The signals are blocked in every thread and
// taken by one thread with sigwait(), so no engine code ever runs inside a signal handler.

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

  // `on_first` (the first SIGINT/SIGTERM) and `on_reload` (every SIGHUP; ignored when empty) run
  // on the signal thread and must return soon.
  void start(std::function<void()> on_first, std::function<void()> on_reload = {});
  // Ends the signal thread: the callbacks given to start() are not called any more. The signals
  // stay blocked (a late SIGTERM is then ignored until exit).
  void stop();

 private:
  std::thread thread_;
};

}  // namespace sluice::cli
