#pragma once
// `drop` sink: accepts and discards everything, counting it. The cheapest possible sink, so a
// benchmark through it measures the engine and the source alone.

#include <cstdint>

#include "sluice/sdk.hpp"

namespace sluice::drop {

class DropSink final : public Sink {
 public:
  DropSink(const Options& options, Context& context);
  ~DropSink() override;
  void write(std::shared_ptr<const Batch> batch, Delivery done) override;

 private:
  Context& context_;
  // Written only from the pipeline thread (write) and read at destruction.
  std::uint64_t events_ = 0;
  std::uint64_t batches_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace sluice::drop
