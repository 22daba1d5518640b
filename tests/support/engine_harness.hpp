#pragma once
// Builds an engine from a YAML string with the test registry, as `sluice run` would from a file.

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "config/config_loader.hpp"
#include "runtime/engine.hpp"
#include "test_components.hpp"

namespace sluice::test {

inline std::unique_ptr<runtime::Engine> make_engine(const std::string& yaml, runtime::EngineOptions options = {}) {
  auto config = config::load_config_string(yaml, "test.yaml", test_registry());
  return std::make_unique<runtime::Engine>(config, test_registry(), std::move(options));
}

// A started engine whose source is the `scripted` source named "src".
struct ScriptedEngine {
  std::unique_ptr<runtime::Engine> engine;
  ScriptedSource* source = nullptr;
  std::shared_ptr<AckLog> acks;
};

inline ScriptedEngine start_scripted(const std::string& yaml, runtime::EngineOptions options = {}) {
  reset_test_components();
  ScriptedEngine s;
  s.engine = make_engine(yaml, std::move(options));
  s.engine->start();
  s.source = scripted_source("src");
  s.acks = ack_log("src");
  if (s.source == nullptr) throw std::logic_error("the pipeline has no scripted source named src");
  return s;
}

// Emits "e0", "e1", ... one event per emit, from a thread, until the source is refused.
class Producer {
 public:
  explicit Producer(ScriptedSource* source)
      : thread_([this, source] {
          for (int i = 0;; ++i) {
            if (!source->emit({"e" + std::to_string(i)})) return;
            ++taken_;
          }
        }) {}
  ~Producer() {
    if (thread_.joinable()) thread_.join();
  }
  // Waits for the producer to be refused; returns how many events were taken.
  std::size_t join() {
    thread_.join();
    return taken_;
  }

 private:
  std::atomic<std::size_t> taken_{0};
  std::thread thread_;
};

}  // namespace sluice::test
