#pragma once
// A pipeline's transforms, made by their real plugins and run in this process on events a test
// gives, without the pipeline's source or sinks: what `sluice test` runs. Batches go through the
// transforms as the pipeline thread sends them (the same code: runtime/transform_steps.hpp), each
// transform started before the first batch and stopped after the last: after each transform its rejections and drops
// leave the batch; a transform that throws fails the whole batch (the engine nacks it: a failure,
// not a rejection, and never dead-lettered); an edited payload that cannot be serialised is
// rejected by the engine before the sinks.
//
// Each input event is its own batch by default, as the engine processes each emit alone while
// the pipeline is idle (Pipeline::process_here), so one throwing event does not fail the others.
// A test may ask for all its inputs as one batch (one emit of several events). What is not the
// engine's: a rejection never refuses the other events of its batch the way one in an http
// request does; Context::io is an io_context that never runs (a transform's timers never fire,
// so a test sees no periodic events) and Context::inject refuses, so a test's outcome does not
// depend on the clock.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config_model.hpp"
#include "plugins/plugin_registry.hpp"
#include "runtime/component_instance.hpp"

namespace boost::asio {
class io_context;
}

namespace sluice::pipeline_test {

struct ChainInput {
  std::string payload;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::optional<std::int64_t> received_at_ms;
};

// What became of the events. `input` is the position of the input event it came from; nullopt
// for an event a transform made (Batch::add).
struct ChainOutput {
  std::optional<std::size_t> input;
  std::string payload;
  std::vector<std::pair<std::string, std::string>> metadata;
};
struct ChainRemoval {
  std::optional<std::size_t> input;
  std::string by;      // the transform's label ("transforms[0] json_validate"), or "engine"
  std::string reason;  // empty for a drop
};
struct ChainResult {
  std::vector<ChainOutput> outputs;
  std::vector<ChainRemoval> rejected;
  std::vector<ChainRemoval> failed;  // in a batch a transform threw on; reason "LABEL failed: WHAT"
  std::vector<ChainRemoval> dropped;
};

class TransformChain {
 public:
  // Makes the transforms at `positions` of `pipeline`, in that order. Throws config::ConfigErrors,
  // located in the pipeline file, when a factory refuses its options.
  TransformChain(const plugins::PluginRegistry& registry, const config::PipelineConfig& pipeline,
                 const std::vector<std::size_t>& positions);
  ~TransformChain();
  TransformChain(const TransformChain&) = delete;
  TransformChain& operator=(const TransformChain&) = delete;

  // `inputs` through every transform: each its own batch, in order, or all as one batch.
  ChainResult run(const std::vector<ChainInput>& inputs, bool one_batch = false);

 private:
  void run_batch(std::vector<Event> events, ChainResult& result);

  // Declared first, destroyed last: the transforms and their pending handlers hold plugin code.
  std::vector<std::shared_ptr<plugins::PluginLibrary>> libraries_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::vector<runtime::ComponentInstance<Transform>> transforms_;
  std::size_t started_ = 0;  // the first n of transforms_ whose start() returned
};

}  // namespace sluice::pipeline_test
