#include "redact.hpp"

#include <nlohmann/json.hpp>

namespace sluice_example::redact {

using namespace sluice;

namespace {

std::vector<std::string> split_path(const std::string& field) {
  std::vector<std::string> steps;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = field.find('.', start);
    steps.push_back(field.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return steps;
    start = dot + 1;
  }
}

}  // namespace

OptionTable redact_options() {
  OptionTable t;
  t.add("fields", OptionType::string_list,
        "Fields to redact: top-level names, or paths into nested objects with dots (user.email); arrays are not "
        "entered")
      .required()
      .example("[email, user.phone, card.number]");
  t.add("action", OptionType::string, "`mask` replaces each field's value with `mask`; `remove` deletes the field")
      .default_to("mask")
      .one_of({"mask", "remove"});
  t.add("mask", OptionType::string, "The value a masked field gets, as a JSON string")
      .default_to("***")
      .example("REDACTED");
  return t;
}

void Redact::validate(const Options& options, ValidationContext& check) {
  const auto& fields = options.get_list("fields");
  if (fields.empty()) check.error("fields", "lists no field: name at least one");
  for (const auto& field : fields) {
    for (const auto& step : split_path(field)) {
      if (step.empty()) {
        check.error("fields", "'" + field + "' has an empty step; write names joined by single dots (user.email)");
        break;
      }
    }
  }
}

Redact::Redact(const Options& options, Context&)
    : remove_(options.get_string("action") == "remove"), mask_(options.get_string("mask")) {
  for (const auto& field : options.get_list("fields")) paths_.push_back(split_path(field));
}

bool Redact::holds(const nlohmann::json& json, const Path& path) {
  const nlohmann::json* node = &json;
  for (const auto& step : path) {
    if (!node->is_object()) return false;
    const auto it = node->find(step);
    if (it == node->end()) return false;
    node = &*it;
  }
  return true;
}

void Redact::redact(nlohmann::json& json, const Path& path) const {
  nlohmann::json* node = &json;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) node = &(*node)[path[i]];  // holds() found them
  if (remove_) {
    node->erase(path.back());
  } else {
    (*node)[path.back()] = mask_;
  }
}

void Redact::process(Batch& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Event& event = batch[i];
    try {
      // Most events of a stream may hold none of the fields: find that out from the text alone.
      bool present = false;
      for (const auto& path : paths_) {
        if (event.member_type(path.front()) != JsonType::absent) {
          present = true;
          break;
        }
      }
      if (!present) continue;
      // Then in the DOM, read only: an event is re-serialised only when a field is really there.
      std::vector<const Path*> found;
      for (const auto& path : paths_) {
        if (holds(event.json(), path)) found.push_back(&path);
      }
      if (found.empty()) continue;
      nlohmann::json& json = event.mutable_json();
      for (const Path* path : found) {
        if (holds(json, *path)) redact(json, *path);  // an earlier field may have been its parent
      }
    } catch (const EventError& e) {
      batch.reject(i, std::string("redact: the payload is not JSON, so it cannot be redacted: ") + e.what());
    }
  }
}

}  // namespace sluice_example::redact
