#include "stdout_sink.hpp"

SLUICE_PLUGIN("stdout", "Standard output as JSON lines") {
  manifest.add(sluice::sink_component<sluice::stdout_sink::StdoutSink>(
      "stdout", "Writes each payload as one line to standard output: JSON lines for JSON payloads.",
      sluice::stdout_sink::stdout_options()));
}
