#pragma once
// `inproc` source: reads the events that `inproc` sinks of other pipelines write to its channel.

#include <memory>

#include "inproc_channel.hpp"

namespace sluice::inproc {

OptionTable inproc_source_options();

class InprocSource final : public Source {
 public:
  // The check step: one reader per channel in the file (a claim on "inproc channel '<name>'
  // reader"). The constructor's claim_reader() still guards the process-wide channel, which two
  // engines in one process (tests) could share.
  static void validate(const Options& options, ValidationContext& check);
  InprocSource(const Options& options, Context& context);
  ~InprocSource() override;

  void start(Emitter& out) override;
  void stop() override;

 private:
  std::shared_ptr<Channel> channel_;
};

}  // namespace sluice::inproc
