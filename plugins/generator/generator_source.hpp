#pragma once
// `generator` source: makes events from a payload template at a given rate, for demos, tests and
// benchmarks. Runs on a thread of its own. With a `count`, it closes after that many events and the
// pipeline ends once they are delivered; without one, it runs until the engine stops.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "payload_template.hpp"
#include "sluice/sdk.hpp"

namespace sluice::generator {

OptionTable generator_options();

class GeneratorSource final : public Source {
 public:
  // The check step: the payload's placeholders. The constructor parses the payload again (it
  // keeps the parts) and may take it as valid.
  static void validate(const Options& options, ValidationContext& check);
  GeneratorSource(const Options& options, Context& context);
  ~GeneratorSource() override;

  void start(Emitter& out) override;
  void stop() override;

 private:
  void run(Emitter& out);
  // Waits until `until` or a stop; false when stopped.
  bool pace(std::chrono::steady_clock::time_point until);
  void on_ack(const AckResult& result, std::size_t events);

  Context& context_;
  const double rate_;
  const std::uint64_t count_;
  const std::size_t batch_size_;
  const PayloadTemplate payload_;

  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  std::thread thread_;

  std::atomic<std::uint64_t> emitted_{0};
  std::atomic<std::uint64_t> acked_{0};
  std::atomic<std::uint64_t> failed_{0};
};

}  // namespace sluice::generator
