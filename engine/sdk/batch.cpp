#include "sluice/batch.hpp"

namespace sluice {

void Batch::reject(std::size_t i, std::string reason) { removals_.push_back({i, true, std::move(reason)}); }
void Batch::drop(std::size_t i) { removals_.push_back({i, false, {}}); }

}  // namespace sluice
