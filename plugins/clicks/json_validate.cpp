#include "json_validate.hpp"

#include <cstdio>
#include <variant>

#include "utf8.hpp"

namespace sluice::clicks {

OptionTable json_validate_options() {
  OptionTable t;
  t.add("required", OptionType::string_map,
        "Fields every event must have, with their JSON type: string, number, integer, boolean, object, array or any")
      .required()
      .example("{ page: string, clickNumber: number }");
  return t;
}

std::optional<JsonValidate::Kind> JsonValidate::kind_named(const std::string& name) {
  static const std::pair<const char*, Kind> kinds[] = {
      {"string", Kind::string}, {"number", Kind::number}, {"integer", Kind::integer}, {"boolean", Kind::boolean},
      {"object", Kind::object}, {"array", Kind::array},   {"any", Kind::any}};
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

// The payload's JSON type, checked without building a DOM (Event::json_type), or why it is not a
// JSON text. For bytes that are not UTF-8, "not valid UTF-8 at byte N" says more than the
// parser's message (a Kafka message can carry any bytes).
std::variant<JsonType, std::string> payload_type(const Event& e) {
  try {
    return e.json_type();
  } catch (const EventError& err) {
    if (!e.json_parsed()) {
      const std::string_view payload = e.payload();
      if (const std::size_t bad = first_invalid_utf8(payload); bad != std::string_view::npos) {
        char reason[80];
        std::snprintf(reason, sizeof reason, "payload is not valid UTF-8: byte 0x%02X at offset %zu",
                      static_cast<unsigned>(static_cast<unsigned char>(payload[bad])), bad);
        return std::string(reason);
      }
    }
    return cut_utf8(err.what(), kMaxReasonBytes);
  }
}

const char* type_name(JsonType t) {
  switch (t) {
    case JsonType::string:
      return "a string";
    case JsonType::boolean:
      return "a boolean";
    case JsonType::integer:
    case JsonType::floating:
      return "a number";
    case JsonType::object:
      return "an object";
    case JsonType::array:
      return "an array";
    case JsonType::null:
    case JsonType::absent:
      break;
  }
  return "null";
}

}  // namespace

void JsonValidate::process(Batch& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Event& e = batch[i];
    auto type = payload_type(e);
    if (auto* problem = std::get_if<std::string>(&type)) {
      batch.reject(i, std::move(*problem));
      continue;
    }
    if (const JsonType whole = std::get<JsonType>(type); whole != JsonType::object) {
      batch.reject(i, std::string("expected a JSON object, got ") + type_name(whole));
      continue;
    }
    for (const auto& [field, kind] : fields_) {
      const JsonType t = e.member_type(field);
      if (t == JsonType::absent) {
        batch.reject(i, "missing field '" + field + "'");
        break;
      }
      bool ok = true;
      const char* want = "";
      switch (kind) {
        case Kind::string:
          ok = t == JsonType::string;
          want = "a string";
          break;
        case Kind::number:
          ok = t == JsonType::integer || t == JsonType::floating;
          want = "a number";
          break;
        case Kind::integer:
          ok = t == JsonType::integer;
          want = "a whole number";
          break;
        case Kind::boolean:
          ok = t == JsonType::boolean;
          want = "a boolean";
          break;
        case Kind::object:
          ok = t == JsonType::object;
          want = "an object";
          break;
        case Kind::array:
          ok = t == JsonType::array;
          want = "an array";
          break;
        case Kind::any:
          break;
      }
      if (!ok) {
        batch.reject(i, "field '" + field + "' must be " + want + ", got " + type_name(t));
        break;
      }
    }
  }
}

}  // namespace sluice::clicks
