#include "inproc_sink.hpp"

namespace sluice::inproc {

OptionTable inproc_sink_options() {
  OptionTable t;
  add_channel_option(t);
  return t;
}

InprocSink::InprocSink(const Options& options, Context&) : channel_(channel(options.get_string("channel"))) {
  channel_->add_writer();
}

InprocSink::~InprocSink() { leave_channel(); }

void InprocSink::leave_channel() {
  if (std::exchange(writing_, false)) channel_->remove_writer();
}

void InprocSink::write(std::shared_ptr<const Batch> batch, Delivery done) {
  // The batch is shared read-only with the pipeline's other sinks, so the reader gets copies.
  std::vector<Event> events;
  events.reserve(batch->size());
  for (const auto& e : *batch) events.push_back(e.clone());
  // std::function needs a copyable callable; the Delivery is move-only.
  auto pending = std::make_shared<Delivery>(std::move(done));
  AckFn on_ack = [pending](const AckResult& result) {
    // Dead-lettered by the reading pipeline is handled there: delivered, as far as this one knows.
    if (result.ok || result.dead_lettered) {
      pending->complete();
    } else {
      pending->fail(result.reason);
    }
  };
  std::string why;
  if (!channel_->write(events, on_ack, why)) pending->fail(why);
}

// No more writes: once every writer has left, the reading pipeline drains and ends.
void InprocSink::flush(Deadline) { leave_channel(); }

}  // namespace sluice::inproc
