#pragma once
// How a batch goes through a pipeline's transforms, written once for the two callers that run
// transforms: the pipeline (runtime/pipeline.cpp) and `sluice test` (testing/transform_chain.cpp).
// What a removal or a failure means is the caller's: the pipeline settles acks and dead-letters,
// a test records them.
//
//   - After each transform its rejections and drops leave the batch, the others keep their order;
//     positions out of range and repeated positions are ignored.
//   - A transform that throws fails the whole batch: its removals so far are forgotten, the
//     caller is told, the batch is emptied and no later transform runs.
//   - Before the sinks, an event whose edited payload cannot be serialised is rejected by the
//     engine (label "engine").
//   - start() runs on every transform, in order, before the first batch; stop() on every transform
//     whose start() returned, in the same order, after the last batch (sluice/thread_model.hpp).

#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "runtime/component_instance.hpp"
#include "sluice/batch.hpp"

namespace sluice::runtime {

using Transforms = std::vector<ComponentInstance<Transform>>;

// Each removal the batch holds, with its event still in place: events[removal.index].
using RemovalFn = std::function<void(std::vector<Event>& events, Batch::Removal& removal)>;
// After every removal was seen and before the events leave: may mark more events removed
// (removed[i] = 1), as the pipeline does for the other events of a refused request.
using MoreRemovalsFn = std::function<void(std::vector<Event>& events, std::vector<char>& removed)>;

// Takes the batch's removals and applies them; `each` and `more` are called as above.
void apply_removals(Batch& batch, const RemovalFn& each, const MoreRemovalsFn& more = {});

// Runs transforms[first..] on `batch`. After each: removed(batch, its label). When one throws:
// failed(batch, it, what) with the batch's events still in it, then the batch is emptied and
// false returned.
bool run_transforms(Transforms& transforms, std::size_t first, Batch& batch,
                    const std::function<void(Batch&, const std::string& label)>& removed,
                    const std::function<void(Batch&, ComponentInstance<Transform>&, const std::string& what)>& failed);

// Rejects (Batch::reject) every event whose edited JSON cannot be serialised; the caller then
// applies the removals as "engine".
void reject_unserialisable(Batch& batch);

// Calls start() on each transform in order, and returns how many started. At the first that
// throws, failed(it, what) is called and no later one is started.
std::size_t start_transforms(Transforms& transforms,
                             const std::function<void(ComponentInstance<Transform>&, const std::string&)>& failed);
// Calls stop() on the first `started` transforms, in order; what one throws is logged (its
// Context's logger), and the others are still stopped.
void stop_transforms(Transforms& transforms, std::size_t started);

}  // namespace sluice::runtime
