#include "inproc_sink.hpp"
#include "inproc_source.hpp"

SLUICE_PLUGIN("inproc", "In-process channels connecting pipelines of one engine") {
  using namespace sluice;
  manifest.add(source_component<inproc::InprocSource>(
      "inproc", "Reads the events inproc sinks write to its channel, in this engine.",
      inproc::inproc_source_options()));
  manifest.add(sink_component<inproc::InprocSink>(
      "inproc", "Writes to an in-process channel; confirms once the reading pipeline delivered.",
      inproc::inproc_sink_options()));
}
