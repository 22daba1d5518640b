#include "testing/expectations.hpp"

#include <map>

#include "testing/file_reader.hpp"

namespace sluice::pipeline_test {
namespace {

// Long payloads are cut in messages: a diff line should fit a terminal, the rest is noise.
constexpr std::size_t kShownBytes = 400;

std::string shown(std::string_view text) {
  if (text.size() <= kShownBytes) return std::string(text);
  return std::string(text.substr(0, kShownBytes)) + "… (" + std::to_string(text.size()) + " bytes)";
}

// As JSON text, whatever the bytes: an output need not be UTF-8.
std::string json_string(std::string_view text) {
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string dump(const nlohmann::json& j) {
  return shown(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string origin(const std::optional<std::size_t>& input) {
  return input ? "input " + std::to_string(*input) : "made by a transform";
}

// The expected value at a JSON Patch path, for a message.
std::string expected_at(const nlohmann::json& expected, const std::string& path) {
  try {
    return dump(expected.at(nlohmann::json::json_pointer(path)));
  } catch (const nlohmann::json::exception&) {
    return "nothing";
  }
}

// nullopt when the value is absent: a top-level member, or a JSON Pointer (starting with '/').
std::optional<nlohmann::json> field_of(const nlohmann::json& doc, const std::string& name) {
  if (!name.empty() && name[0] == '/') {
    try {
      const nlohmann::json::json_pointer pointer(name);
      if (!doc.contains(pointer)) return std::nullopt;
      return doc.at(pointer);
    } catch (const nlohmann::json::exception&) {
      // An array index too large for any array (out_of_range.410): nothing can be there.
      return std::nullopt;
    }
  }
  if (!doc.is_object()) return std::nullopt;
  auto it = doc.find(name);
  if (it == doc.end()) return std::nullopt;
  return *it;
}

// Whether `text` matches, or why it cannot be tried: a regex search takes time in the square of
// the text, so text longer than kMaxMatchedBytes is not searched (file_reader.hpp).
std::optional<std::string> too_long_to_match(const std::string& text) {
  if (text.size() <= kMaxMatchedBytes) return std::nullopt;
  return "is " + std::to_string(text.size()) + " bytes, longer than the " + std::to_string(kMaxMatchedBytes) +
         " that a regex is tried on; check it with 'equals', or a shorter field";
}

// Why `value` fails `c`, or empty. A string is matched as its text, anything else as its JSON.
std::string check(const Condition& c, const std::optional<nlohmann::json>& value) {
  if (!value) {
    if (c.exists == false) return {};
    return "is absent";
  }
  if (c.exists == false) return "must be absent, got " + dump(*value);
  if (c.equals && *c.equals != *value) return "expected " + dump(*c.equals) + ", got " + dump(*value);
  if (c.pattern) {
    const std::string text = value->is_string() ? value->get<std::string>()
                                                : value->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (auto why = too_long_to_match(text)) return "cannot match /" + *c.matches + "/: it " + *why;
    if (!std::regex_search(text, *c.pattern)) return "expected to match /" + *c.matches + "/, got " + dump(*value);
  }
  return {};
}

// The differences of one event from its expectation, each line starting "  ".
void compare_event(const ExpectedOutput& want, const ChainOutput& got, std::vector<std::string>& lines) {
  if (want.payload && *want.payload != got.payload) {
    lines.push_back("    payload: expected " + shown(json_string(*want.payload)) + ", got " +
                    shown(json_string(got.payload)));
  }
  std::optional<nlohmann::json> doc;
  if (want.json || !want.fields.empty()) {
    doc = nlohmann::json::parse(got.payload, nullptr, false);
    if (doc->is_discarded()) {
      lines.push_back("    is not JSON: " + shown(json_string(got.payload)));
      doc.reset();
    }
  }
  if (want.json && doc && *want.json != *doc) {
    // nlohmann's JSON Patch from the expected to the actual event, read out as differences.
    for (const auto& op : nlohmann::json::diff(*want.json, *doc)) {
      const std::string path = op.at("path").get<std::string>();
      const std::string kind = op.at("op").get<std::string>();
      const std::string where = path.empty() ? "the event" : path;
      if (kind == "add") {
        lines.push_back("    " + where + ": not expected, got " + dump(op.at("value")));
      } else if (kind == "remove") {
        lines.push_back("    " + where + ": expected " + expected_at(*want.json, path) + ", absent");
      } else {
        lines.push_back("    " + where + ": expected " + expected_at(*want.json, path) + ", got " +
                        dump(op.at("value")));
      }
    }
  }
  if (doc) {
    for (const auto& f : want.fields) {
      if (auto why = check(f.condition, field_of(*doc, f.name)); !why.empty()) {
        lines.push_back("    field " + f.name + ": " + why);
      }
    }
  }
  for (const auto& m : want.metadata) {
    std::optional<nlohmann::json> value;
    for (const auto& [key, text] : got.metadata) {
      if (key == m.name) value = text;
    }
    if (auto why = check(m.condition, value); !why.empty()) lines.push_back("    metadata " + m.name + ": " + why);
  }
}

std::string reason_wanted(const ExpectedRejection& r) {
  std::string out;
  if (r.reason) out = "a reason containing " + json_string(*r.reason);
  if (r.reason_matches) out += (out.empty() ? "" : " and ") + ("a reason matching /" + *r.reason_matches + "/");
  return out.empty() ? "any reason" : out;
}

// Why `reason` is not the one wanted, or empty.
std::string reason_differs(const ExpectedRejection& want, const std::string& reason) {
  if (want.reason && reason.find(*want.reason) == std::string::npos) return "expected " + reason_wanted(want);
  if (want.pattern) {
    if (auto why = too_long_to_match(reason)) return "cannot match /" + *want.reason_matches + "/: the reason " + *why;
    if (!std::regex_search(reason, *want.pattern)) return "expected " + reason_wanted(want);
  }
  return {};
}

// What became of input `n`, for a message about an expectation it did not meet.
std::string fate(std::size_t n, const ChainResult& got) {
  for (std::size_t i = 0; i < got.outputs.size(); ++i) {
    if (got.outputs[i].input == n) return "it came out as output " + std::to_string(i);
  }
  for (const auto& r : got.rejected) {
    if (r.input == n) return "it was rejected by " + r.by + ": " + json_string(r.reason);
  }
  for (const auto& f : got.failed) {
    if (f.input == n) return "it failed: " + json_string(f.reason);
  }
  for (const auto& d : got.dropped) {
    if (d.input == n) return "it was dropped by " + d.by;
  }
  return "it did not come out";
}

std::string line_of(const SourceLocation& at) { return " (line " + std::to_string(at.line) + ")"; }

void compare_outputs(const TestCase& test, const ChainResult& got, std::vector<std::string>& lines) {
  const std::size_t outputs = std::max(test.outputs.size(), got.outputs.size());
  for (std::size_t i = 0; i < outputs; ++i) {
    const std::string name = "output " + std::to_string(i);
    if (i >= got.outputs.size()) {
      const auto& want = test.outputs[i];
      const std::string like = want.json      ? dump(*want.json)
                               : want.payload ? shown(json_string(*want.payload))
                                              : "the event of line " + std::to_string(want.at.line);
      lines.push_back(name + line_of(want.at) + ": expected " + like + ", but only " +
                      std::to_string(got.outputs.size()) + (got.outputs.size() == 1 ? " event" : " events") +
                      " came out");
      continue;
    }
    const auto& event = got.outputs[i];
    if (i >= test.outputs.size()) {
      lines.push_back(name + " (" + origin(event.input) + "): not expected, got " + shown(event.payload));
      continue;
    }
    std::vector<std::string> differences;
    compare_event(test.outputs[i], event, differences);
    if (differences.empty()) continue;
    lines.push_back(name + " (line " + std::to_string(test.outputs[i].at.line) + ", " + origin(event.input) +
                    "): got " + shown(event.payload));
    lines.insert(lines.end(), differences.begin(), differences.end());
  }
}

// Rejections (`what` "rejection", `done` "rejected by") or failures ("failure", "failed in": a
// transform threw on its batch).
void compare_removals(const std::vector<ExpectedRejection>& wanted, const std::vector<ChainRemoval>& happened,
                      const ChainResult& got, const std::string& what, const std::string& done,
                      std::vector<std::string>& lines) {
  std::map<std::size_t, const ChainRemoval*> by_input;
  for (const auto& r : happened) {
    if (r.input) by_input.emplace(*r.input, &r);
  }
  for (const auto& want : wanted) {
    auto it = by_input.find(want.input);
    const std::string name = what + " of input " + std::to_string(want.input) + line_of(want.at);
    if (it == by_input.end()) {
      lines.push_back(name + ": expected with " + reason_wanted(want) + ", but " + fate(want.input, got));
      continue;
    }
    const std::string& reason = it->second->reason;
    if (auto why = reason_differs(want, reason); !why.empty()) {
      lines.push_back(name + ": " + why + ", got " + json_string(reason) + " from " + it->second->by);
    }
    by_input.erase(it);
  }
  for (const auto& [input, r] : by_input) {
    lines.push_back("input " + std::to_string(input) + ": " + done + " " + r->by + " (" + json_string(r->reason) +
                    "), not expected");
  }
  for (const auto& r : happened) {
    if (!r.input) {
      lines.push_back("an event made by a transform: " + done + " " + r.by + ": " + json_string(r.reason) +
                      ", not expected");
    }
  }
}

}  // namespace

std::vector<std::string> compare(const TestCase& test, const ChainResult& got) {
  std::vector<std::string> lines;
  compare_outputs(test, got, lines);
  compare_removals(test.rejections, got.rejected, got, "rejection", "rejected by", lines);
  compare_removals(test.failures, got.failed, got, "failure", "failed in", lines);

  std::map<std::size_t, const ChainRemoval*> dropped;
  for (const auto& d : got.dropped) {
    if (d.input) dropped.emplace(*d.input, &d);
  }
  for (const auto& want : test.drops) {
    if (dropped.erase(want.input) == 0) {
      lines.push_back("drop of input " + std::to_string(want.input) + line_of(want.at) + ": expected, but " +
                      fate(want.input, got));
    }
  }
  for (const auto& [input, d] : dropped) {
    lines.push_back("input " + std::to_string(input) + ": dropped by " + d->by + ", not expected");
  }
  // A test cannot name an event a transform made, so its drop is never expected: every event is
  // accounted for, and a transform that makes events only to drop them is shown doing so.
  for (const auto& d : got.dropped) {
    if (!d.input) lines.push_back("an event made by a transform: dropped by " + d.by + ", not expected");
  }
  return lines;
}

}  // namespace sluice::pipeline_test
