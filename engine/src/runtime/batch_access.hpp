#pragma once
// The engine's side of Batch: it takes (and so clears) the removals a transform asked for. Not in
// the SDK's headers: a plugin reads them with Batch::removals() and cannot clear them.

#include <utility>
#include <vector>

#include "sluice/batch.hpp"

namespace sluice::detail {

struct BatchAccess {
  static std::vector<Batch::Removal> take_removals(Batch& batch) { return std::exchange(batch.removals_, {}); }
};

}  // namespace sluice::detail
