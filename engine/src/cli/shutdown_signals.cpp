#include "cli/shutdown_signals.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include "sluice/log.hpp"

namespace sluice::cli {
namespace {

// SIGUSR2 is how the destructor wakes the signal thread; users never need to send it.
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR2);
  return set;
}

}  // namespace

ShutdownSignals::ShutdownSignals() {
  sigset_t set = handled_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A closed pipe on stdout or a socket is an error to report, not a reason to die.
  signal(SIGPIPE, SIG_IGN);
}

void ShutdownSignals::start(std::function<void()> on_first, std::function<void()> on_reload) {
  thread_ = std::thread([on_first = std::move(on_first), on_reload = std::move(on_reload)] {
    const sigset_t set = handled_signals();
    Logger log("engine");
    int received = 0;
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0 || sig == SIGUSR2) return;
      if (sig == SIGHUP) {
        // Must return at once (a reload may drain for seconds, and a stop must still be taken).
        if (on_reload) {
          log.info("received SIGHUP; reloading");
          on_reload();
        } else {
          log.info("received SIGHUP; nothing to reload");
        }
        continue;
      }
      if (++received == 1) {
        log.info("received ", sig == SIGINT ? "SIGINT" : "SIGTERM", "; draining (send it again to exit at once)");
        on_first();
      } else {
        log.warn("second signal: exiting at once; events in flight are not confirmed");
        std::_Exit(128 + sig);
      }
    }
  });
}

ShutdownSignals::~ShutdownSignals() { stop(); }

void ShutdownSignals::stop() {
  if (thread_.joinable()) {
    pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
  }
}

}  // namespace sluice::cli
