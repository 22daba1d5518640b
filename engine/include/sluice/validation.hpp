#pragma once
// A component's check step: what it refuses in its options, found without starting anything.
// `sluice validate` and `sluice run` both call every component's check after the option tables
// are satisfied and before any component is created, so `validate` refuses what `run` refuses,
// and `run` refuses it before a socket is opened or a thread started.
//
// A check reads options and may parse them, look at the file system, or build a throwaway
// library object (a librdkafka conf, not a client). It must not open sockets, connect anywhere,
// start threads or keep state between calls: it runs in `sluice validate` on a machine that may
// not be the one that runs the file.
//
//   static void validate(const Options& o, ValidationContext& check) {
//     if (o.get_int("max_client_bytes") < 2 * o.get_int("max_frame_bytes"))
//       check.error("max_client_bytes", "must be at least twice max_frame_bytes");
//   }
//
// Declare it as a static member named `validate` of the component class: source_component<T>()
// and friends (sluice/plugin.hpp) pick it up. The constructor may then assume the options pass
// it; it must not check them again.

#include <functional>
#include <string>

#include "sluice/errors.hpp"
#include "sluice/options.hpp"

namespace sluice {

// Implemented by the engine; valid only during the check call, on the calling thread.
class ValidationContext {
 public:
  virtual ~ValidationContext() = default;

  // Reports a problem with `option` (positioned at its value in the YAML file; at the component
  // when the option was not written or `option` is empty). Checking goes on: report every
  // problem, not only the first.
  virtual void error(const std::string& option, const std::string& message) = 0;

  // Claims `resource` for this component alone, across every pipeline of the file: "inproc
  // channel 'clicks' reader", "tcp 127.0.0.1:8080". Returns false, and reports an error at
  // `option` when another component claimed it already: `what` says in words what cannot be
  // shared ("channel 'clicks' already has an inproc source; a channel has exactly one reader"),
  // and the engine adds "; the first is <component>, at <file:line:column>". Resources are plain
  // strings compared exactly: components of different plugins that share one (a TCP port) must
  // spell it alike (see check_listen in plugins/common/net_support/listen.hpp).
  virtual bool claim(const std::string& resource, const std::string& option, const std::string& what) = 0;

  // Runs `step`, turning a ConfigError it throws into error(option, message): a check can reuse
  // a parser that throws (the same one the constructor uses), and still report what comes after.
  void attempt(const std::function<void()>& step) {
    try {
      step();
    } catch (const ConfigError& e) {
      error(e.option(), e.what());
    }
  }
};

using ComponentCheck = std::function<void(const Options&, ValidationContext&)>;

}  // namespace sluice
