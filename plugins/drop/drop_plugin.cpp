#include "drop_sink.hpp"

SLUICE_PLUGIN("drop", "A sink that discards, for benchmarks") {
  manifest.add(sluice::sink_component<sluice::drop::DropSink>(
      "drop", "Accepts and discards every event, counting them.", sluice::OptionTable{}));
}
