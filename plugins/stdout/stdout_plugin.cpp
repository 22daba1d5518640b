#include "stdout_sink.hpp"

SLUICE_PLUGIN("stdout", "Standard output as JSON lines") {
  manifest.add(sluice::sink_component<sluice::stdout_sink::StdoutSink>(
      "stdout", "Writes each event as one JSON line to standard output.", sluice::stdout_sink::stdout_options()));
}
