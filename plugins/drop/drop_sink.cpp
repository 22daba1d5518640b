#include "drop_sink.hpp"

namespace sluice::drop {

DropSink::DropSink(const Options&, Context& context) : context_(context) {}

DropSink::~DropSink() {
  context_.log.info("dropped ", events_, " events (", bytes_, " payload bytes) in ", batches_, " batches");
}

void DropSink::write(std::shared_ptr<const Batch> batch, Delivery done) {
  for (const auto& e : *batch) bytes_ += e.payload().size();
  events_ += batch->size();
  ++batches_;
  done.complete();
}

}  // namespace sluice::drop
