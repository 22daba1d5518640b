#include "inproc_source.hpp"

namespace sluice::inproc {

OptionTable inproc_source_options() {
  OptionTable t;
  add_channel_option(t);
  return t;
}

void InprocSource::validate(const Options& options, ValidationContext& check) {
  const std::string& name = options.get_string("channel");
  check.claim("inproc channel '" + name + "' reader", "channel",
              "channel '" + name + "' already has an inproc source; a channel has exactly one reader");
}

InprocSource::InprocSource(const Options& options, Context&) : channel_(channel(options.get_string("channel"))) {
  channel_->claim_reader();
}

InprocSource::~InprocSource() { channel_->release_reader(); }

void InprocSource::start(Emitter& out) { channel_->attach(out); }

void InprocSource::stop() { channel_->reader_stopping(); }

}  // namespace sluice::inproc
