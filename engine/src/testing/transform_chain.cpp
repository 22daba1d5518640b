#include "testing/transform_chain.hpp"

#include <utility>

#include <boost/asio/io_context.hpp>

#include "config/component_checks.hpp"
#include "runtime/ack_group.hpp"
#include "runtime/transform_steps.hpp"
#include "sluice/errors.hpp"

namespace sluice::pipeline_test {
namespace {

// Which input an event came from, carried through the transforms in the event itself (so a
// transform that reorders its batch cannot confuse it): the engine's position-within-emit field,
// unused here since no event has an ack group. 0 marks an event a transform made.
std::uint32_t& origin_of(Event& e) { return detail::EventAccess::index(e); }

std::optional<std::size_t> input_of(Event& e) {
  const std::uint32_t origin = origin_of(e);
  if (origin == 0) return std::nullopt;
  return origin - 1;
}

// The batch's removals as the engine applies them (runtime/transform_steps.hpp), recorded. The
// engine's pipeline also settles acks, dead-letters and refuses a request's other events; none of
// which a test has.
void record_removals(Batch& batch, const std::string& by, ChainResult& result) {
  runtime::apply_removals(batch, [&](std::vector<Event>& events, Batch::Removal& r) {
    ChainRemoval removal{input_of(events[r.index]), by, r.rejected ? std::move(r.reason) : std::string()};
    (r.rejected ? result.rejected : result.dropped).push_back(std::move(removal));
  });
}

}  // namespace

TransformChain::TransformChain(const plugins::PluginRegistry& registry, const config::PipelineConfig& pipeline,
                               const std::vector<std::size_t>& positions)
    : libraries_(registry.libraries()), io_(std::make_unique<boost::asio::io_context>()) {
  std::vector<config::Diagnostic> errors;
  for (const std::size_t position : positions) {
    const config::ComponentConfig& c = pipeline.transforms.at(position);
    const std::string where = config::component_where(pipeline.name, c);
    const plugins::ComponentEntry* entry = registry.find(c.kind, c.type);
    if (!entry) {
      errors.push_back({c.at, where, "no plugin provides this type"});
      continue;
    }
    runtime::ComponentInstance<Transform> instance;
    instance.library = entry->library;
    instance.context = std::make_unique<Context>();
    instance.context->pipeline = pipeline.name;
    instance.context->label = c.label;
    instance.context->log = Logger(pipeline.name + "/" + c.label);
    instance.context->io = io_.get();
    instance.context->inject = [](std::vector<Event>&) { return false; };
    instance.context->sinks_ready = [](std::string&) { return true; };
    try {
      instance.object = entry->spec->make_transform(c.options, *instance.context);
      if (!instance.object) errors.push_back({c.at, where, "the plugin's factory returned nothing"});
    } catch (const ConfigError& e) {
      auto at = c.option_at.find(e.option());
      errors.push_back({at != c.option_at.end() ? at->second : c.at, where, e.what()});
    } catch (const std::exception& e) {
      errors.push_back({c.at, where, std::string("cannot be created: ") + e.what()});
    }
    transforms_.push_back(std::move(instance));
  }
  if (errors.empty()) {
    // As the engine does before the first batch. A transform that cannot start is reported at
    // its place in the pipeline file.
    started_ =
        runtime::start_transforms(transforms_, [&](runtime::ComponentInstance<Transform>& t, const std::string& what) {
          for (const std::size_t position : positions) {
            const config::ComponentConfig& c = pipeline.transforms.at(position);
            if (c.label == t.label())
              errors.push_back({c.at, config::component_where(pipeline.name, c), "failed to start: " + what});
          }
        });
  }
  if (!errors.empty()) {
    runtime::stop_transforms(transforms_, std::exchange(started_, 0));
    while (!transforms_.empty()) transforms_.pop_back();
    throw config::ConfigErrors(std::move(errors));
  }
}

TransformChain::~TransformChain() {
  // Stopped after the last batch, then last made, first destroyed, as the engine does; then the
  // io_context (its handlers may hold plugin code), then the libraries. The io_context never ran.
  runtime::stop_transforms(transforms_, std::exchange(started_, 0));
  while (!transforms_.empty()) transforms_.pop_back();
  io_.reset();
}

ChainResult TransformChain::run(const std::vector<ChainInput>& inputs, bool one_batch) {
  ChainResult result;
  std::vector<Event> events;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const ChainInput& in = inputs[i];
    Clock::time_point received = Clock::now();
    // The test file's reader bounds received_at by kLastReceivedAtMs: no overflow here.
    if (in.received_at_ms) received = Clock::time_point(std::chrono::milliseconds(*in.received_at_ms));
    Event e(in.payload, received);
    for (const auto& [key, value] : in.metadata) e.meta().set(key, value);
    origin_of(e) = static_cast<std::uint32_t>(i + 1);
    events.push_back(std::move(e));
    if (!one_batch) run_batch(std::exchange(events, {}), result);
  }
  if (one_batch) run_batch(std::move(events), result);
  return result;
}

void TransformChain::run_batch(std::vector<Event> events, ChainResult& result) {
  Batch batch(std::move(events));
  const bool passed = runtime::run_transforms(
      transforms_, 0, batch, [&](Batch& b, const std::string& label) { record_removals(b, label, result); },
      [&](Batch& b, runtime::ComponentInstance<Transform>& t, const std::string& what) {
        // As the engine: a transform that throws fails every event of the batch.
        for (auto& event : b) result.failed.push_back({input_of(event), t.label(), t.label() + " failed: " + what});
      });
  if (!passed) return;
  // The engine serialises edited JSON once before the sinks; an event that cannot be is refused.
  runtime::reject_unserialisable(batch);
  record_removals(batch, "engine", result);
  for (auto& event : batch) {
    ChainOutput out{input_of(event), std::string(event.payload()), {}};
    for (const auto& entry : event.meta()) out.metadata.push_back(entry);
    result.outputs.push_back(std::move(out));
  }
}

}  // namespace sluice::pipeline_test
