#pragma once
// Counts the answers a pipeline's source gets, so that a run in which nothing could be delivered
// (every emit nacked because a sink failed it: the broker was never reachable, the shutdown
// deadline passed) ends with exit status 1 instead of 0, as a run past its shutdown deadline does.
// One delivered or dead-lettered emit is enough for the pipeline to count as working. An emit
// nacked as rejected (bad input refused for good by a transform or a sink) counts neither way:
// the event was at fault, not the pipeline, and a server whose clients sent only junk did its job.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "sluice/component.hpp"

namespace sluice::runtime {

class DeliveryTally {
 public:
  // Makes `on_ack` count its answer before passing it on. An empty callback stays empty: the
  // source does not want answers, and its events are not counted.
  void count_answer_of(AckFn& on_ack);

  struct Summary {
    std::uint64_t handled = 0;  // emits delivered, or dead-lettered and confirmed
    std::uint64_t failed = 0;   // emits nacked for a failed delivery (not rejected as bad input)
    std::string first_failure;  // the reason of the first of those, "" when none
  };
  Summary summary() const;

 private:
  struct Counts {
    std::atomic<std::uint64_t> handled{0};
    std::atomic<std::uint64_t> failed{0};
    mutable std::mutex mutex;
    std::string first_failure;
  };
  // Shared with the callbacks: an answer may come from a sink's thread while the pipeline ends.
  std::shared_ptr<Counts> counts_ = std::make_shared<Counts>();
};

}  // namespace sluice::runtime
