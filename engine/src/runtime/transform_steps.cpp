#include "runtime/transform_steps.hpp"

#include "runtime/batch_access.hpp"
#include "sluice/errors.hpp"

namespace sluice::runtime {

void apply_removals(Batch& batch, const RemovalFn& each, const MoreRemovalsFn& more) {
  auto removals = detail::BatchAccess::take_removals(batch);
  if (removals.empty()) return;
  auto& events = batch.events();
  std::vector<char> removed(events.size(), 0);
  for (auto& r : removals) {
    if (r.index >= events.size() || removed[r.index]) continue;  // out of range or already removed
    removed[r.index] = 1;
    each(events, r);
  }
  if (more) more(events, removed);
  std::size_t keep = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!removed[i]) {
      if (keep != i) events[keep] = std::move(events[i]);
      ++keep;
    }
  }
  events.resize(keep);
}

bool run_transforms(Transforms& transforms, std::size_t first, Batch& batch,
                    const std::function<void(Batch&, const std::string& label)>& removed,
                    const std::function<void(Batch&, ComponentInstance<Transform>&, const std::string& what)>& failed) {
  for (std::size_t i = first; i < transforms.size(); ++i) {
    auto& t = transforms[i];
    try {
      t.object->process(batch);
    } catch (const std::exception& e) {
      (void)detail::BatchAccess::take_removals(batch);
      failed(batch, t, e.what());
      batch.events().clear();
      return false;
    }
    removed(batch, t.label());
  }
  return true;
}

void reject_unserialisable(Batch& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      (void)batch[i].payload();
    } catch (const EventError& e) {
      batch.reject(i, e.what());
    }
  }
}

std::size_t start_transforms(Transforms& transforms,
                             const std::function<void(ComponentInstance<Transform>&, const std::string&)>& failed) {
  std::size_t started = 0;
  for (auto& t : transforms) {
    try {
      t.object->start();
    } catch (const std::exception& e) {
      failed(t, e.what());
      break;
    }
    ++started;
  }
  return started;
}

void stop_transforms(Transforms& transforms, std::size_t started) {
  for (std::size_t i = 0; i < started && i < transforms.size(); ++i) {
    auto& t = transforms[i];
    try {
      t.object->stop();
    } catch (const std::exception& e) {
      t.context->log.error("failed to stop cleanly: ", e.what());
    }
  }
}

}  // namespace sluice::runtime
