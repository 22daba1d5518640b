#pragma once
// `inproc` sink: writes to a named channel read by an `inproc` source of the same engine, and
// confirms a batch only when that pipeline has delivered it.

#include <memory>

#include "inproc_channel.hpp"

namespace sluice::inproc {

OptionTable inproc_sink_options();

class InprocSink final : public Sink {
 public:
  InprocSink(const Options& options, Context& context);
  ~InprocSink() override;

  void write(std::shared_ptr<const Batch> batch, Delivery done) override;
  void flush(Deadline deadline) override;

 private:
  void leave_channel();

  std::shared_ptr<Channel> channel_;
  bool writing_ = true;
};

}  // namespace sluice::inproc
