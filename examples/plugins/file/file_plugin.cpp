// The `file` example plugin's entry point: one library, one component.
#include "file_sink.hpp"

SLUICE_PLUGIN("file", "NDJSON files with size-based rotation (an example built against the installed SDK)") {
  manifest.add(sluice::sink_component<sluice_example::file::FileSink>(
      "file", "Appends events to a file as NDJSON, rotated by size; acknowledges once fsync() returned.",
      sluice_example::file::file_options()));
}
