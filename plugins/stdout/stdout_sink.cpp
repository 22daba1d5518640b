#include "stdout_sink.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

namespace sluice::stdout_sink {

OptionTable stdout_options() {
  OptionTable t;
  t.add("with_metadata", OptionType::boolean,
        "Write {\"payload\": ..., \"metadata\": {...}, \"received_at_ms\": ...} instead of the bare payload")
      .default_to("false")
      .example("true");
  return t;
}

StdoutSink::StdoutSink(const Options& options, Context&) : with_metadata_(options.get_bool("with_metadata")) {}

namespace {

// The payload as JSON when it is JSON, else as a JSON string: a line is always one JSON document.
nlohmann::json payload_as_json(const Event& event) {
  try {
    return event.json();
  } catch (const EventError&) {
    return std::string(event.payload());
  }
}

}  // namespace

void StdoutSink::append_line(const Event& event) {
  if (with_metadata_) {
    nlohmann::json meta = nlohmann::json::object();
    for (const auto& [k, v] : event.meta()) meta[k] = v;
    const auto received =
        std::chrono::duration_cast<std::chrono::milliseconds>(event.received_at().time_since_epoch()).count();
    nlohmann::json line = {
        {"payload", payload_as_json(event)}, {"metadata", std::move(meta)}, {"received_at_ms", received}};
    buffer_ += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    const std::string_view payload = event.payload();
    if (payload.find('\n') == std::string_view::npos) {
      buffer_ += payload;
    } else {
      // A multi-line payload would break the one-document-per-line framing.
      buffer_ += payload_as_json(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  buffer_ += '\n';
}

void StdoutSink::write(std::shared_ptr<const Batch> batch, Delivery done) {
  buffer_.clear();
  for (const auto& event : *batch) append_line(event);
  // One write and flush per batch; the batch is confirmed only once the bytes reached the file.
  errno = 0;
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), stdout) != buffer_.size() || std::fflush(stdout) != 0) {
    const int err = errno;
    std::clearerr(stdout);
    done.fail(std::string("cannot write to standard output: ") + (err ? std::strerror(err) : "short write"));
    return;
  }
  done.complete();
}

}  // namespace sluice::stdout_sink
