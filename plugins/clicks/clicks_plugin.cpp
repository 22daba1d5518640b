#include "aggregate.hpp"
#include "enrich.hpp"
#include "json_validate.hpp"

SLUICE_PLUGIN("clicks", "Transforms for click events: validate, enrich, aggregate") {
  using namespace sluice;
  manifest.add(transform_component<clicks::JsonValidate>(
      "json_validate", "Rejects events that are not UTF-8 JSON objects with the required fields and types.",
      clicks::json_validate_options()));
  manifest.add(transform_component<clicks::Enrich>("enrich",
                                                   "Sets the server's event id and receive time, keeping a client's "
                                                   "own id aside (user agent and address only on request).",
                                                   clicks::enrich_options()));
  manifest.add(
      transform_component<clicks::Aggregate>("aggregate",
                                             "Running totals per key (bounded: top keys plus `other`) and events per "
                                             "second; emits a stats event of at most 64 KiB on an interval.",
                                             clicks::aggregate_options()));
}
