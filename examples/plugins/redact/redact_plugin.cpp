// The `redact` example plugin's entry point: one library, one component.
#include "redact.hpp"

SLUICE_PLUGIN("redact", "Masks or removes fields (an example built against the installed SDK)") {
  manifest.add(sluice::transform_component<sluice_example::redact::Redact>(
      "redact", "Masks or removes the listed fields of JSON events; rejects events that are not JSON.",
      sluice_example::redact::redact_options()));
}
