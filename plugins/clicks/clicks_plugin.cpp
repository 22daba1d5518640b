#include "aggregate.hpp"
#include "enrich.hpp"
#include "json_validate.hpp"

SLUICE_PLUGIN("clicks", "Transforms for click events: validate, enrich, aggregate") {
  using namespace sluice;
  manifest.add(transform_component<clicks::JsonValidate>(
      "json_validate", "Rejects events that are not JSON objects with the required fields and types.",
      clicks::json_validate_options()));
  manifest.add(transform_component<clicks::Enrich>(
      "enrich", "Adds an event id and the server receive time (user agent and address only on request).",
      clicks::enrich_options()));
  manifest.add(transform_component<clicks::Aggregate>(
      "aggregate", "Running totals per key and events per second; emits a stats event on an interval.",
      clicks::aggregate_options()));
}
