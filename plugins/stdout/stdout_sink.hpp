#pragma once
// `stdout` sink: one event per line on standard output, for piping into other tools. Payloads go
// out as they are (JSON payloads make JSON lines); one that spans lines is written as JSON so a
// line is always one event.

#include <string>

#include "sluice/sdk.hpp"

namespace sluice::stdout_sink {

OptionTable stdout_options();

class StdoutSink final : public Sink {
 public:
  StdoutSink(const Options& options, Context& context);
  void write(std::shared_ptr<const Batch> batch, Delivery done) override;

 private:
  void append_line(const Event& event);

  const bool with_metadata_;
  std::string buffer_;
};

}  // namespace sluice::stdout_sink
