#include "json_validate.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "utf8.hpp"

namespace sluice::clicks {

OptionTable json_validate_options() {
  OptionTable t;
  t.add("required", OptionType::string_map,
        "Fields every event must have, with their JSON type: string, number, integer, boolean, object, array or any")
      .required().example("{ page: string, clickNumber: number }");
  return t;
}

std::optional<JsonValidate::Kind> JsonValidate::kind_named(const std::string& name) {
  static const std::pair<const char*, Kind> kinds[] = {{"string", Kind::string},   {"number", Kind::number},
                                                       {"integer", Kind::integer}, {"boolean", Kind::boolean},
                                                       {"object", Kind::object},   {"array", Kind::array},
                                                       {"any", Kind::any}};
  for (const auto& [known, kind] : kinds) {
    if (name == known) return kind;
  }
  return std::nullopt;
}

void JsonValidate::validate(const Options& o, ValidationContext& check) {
  for (const auto& [field, type] : o.get_map("required")) {
    if (!kind_named(type)) {
      check.error("required", "field '" + field + "': unknown type '" + type +
                                  "'; expected string, number, integer, boolean, object, array or any");
    }
  }
}

JsonValidate::JsonValidate(const Options& o, Context&) {
  // validate() has refused unknown types before anything was created.
  for (const auto& [field, type] : o.get_map("required")) fields_.emplace_back(field, kind_named(type).value());
}

namespace {

// A reason travels on to the HTTP client's 400 body and to a dead letter's metadata: it must be
// valid UTF-8 and short, while the parser's message quotes the bytes it read last (all of a long
// string, say).
constexpr std::size_t kMaxReasonBytes = 300;

// Why the payload is not a JSON text, or "" when it parses. UTF-8 is checked first: a Kafka
// message can carry any bytes, and "not valid UTF-8 at byte N" says more than a parse error.
std::string payload_problem(const Event& e) {
  if (!e.json_parsed()) {  // a source that parsed it already sent valid JSON
    const std::string_view payload = e.payload();
    if (const std::size_t bad = first_invalid_utf8(payload); bad != std::string_view::npos) {
      char reason[80];
      std::snprintf(reason, sizeof reason, "payload is not valid UTF-8: byte 0x%02X at offset %zu",
                    static_cast<unsigned>(static_cast<unsigned char>(payload[bad])), bad);
      return reason;
    }
  }
  try {
    (void)e.json();
    return "";
  } catch (const EventError& err) {
    return cut_utf8(err.what(), kMaxReasonBytes);
  }
}

const char* type_name(const nlohmann::json& v) {
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  return "null";
}

}  // namespace

void JsonValidate::process(Batch& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (std::string problem = payload_problem(batch[i]); !problem.empty()) {
      batch.reject(i, std::move(problem));
      continue;
    }
    const nlohmann::json* doc = &batch[i].json();
    if (!doc->is_object()) {
      batch.reject(i, std::string("expected a JSON object, got ") + type_name(*doc));
      continue;
    }
    for (const auto& [field, kind] : fields_) {
      auto it = doc->find(field);
      if (it == doc->end()) {
        batch.reject(i, "missing field '" + field + "'");
        break;
      }
      bool ok = true;
      const char* want = "";
      switch (kind) {
        case Kind::string: ok = it->is_string(); want = "a string"; break;
        case Kind::number: ok = it->is_number(); want = "a number"; break;
        case Kind::integer: ok = it->is_number_integer(); want = "a whole number"; break;
        case Kind::boolean: ok = it->is_boolean(); want = "a boolean"; break;
        case Kind::object: ok = it->is_object(); want = "an object"; break;
        case Kind::array: ok = it->is_array(); want = "an array"; break;
        case Kind::any: break;
      }
      if (!ok) {
        batch.reject(i, "field '" + field + "' must be " + want + ", got " + type_name(*it));
        break;
      }
    }
  }
}

}  // namespace sluice::clicks
