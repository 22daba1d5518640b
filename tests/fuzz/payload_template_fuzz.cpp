// Fuzzes the generator's payload template (plugins/generator/payload_template.hpp): the whole
// input is the `payload` option's text.
//
// Invariant: constructing the template from any text either
//   - throws sluice::ConfigError (and nothing else) naming the `payload` option with a message,
//     exactly when the text has a "{{" with no "}}" after it or a placeholder other than {{seq}}
//     and {{timestamp_ms}}, or
//   - succeeds, and then render(seq, timestamp_ms), for several seq values (1, 2, 10, 2^64-1) and
//     timestamps (0, a current one, the largest), equals the text with each placeholder replaced by
//     the decimal number (checked against a reference written here), and
//   - when no placeholder stands inside a JSON string and the text is JSON both with every
//     placeholder replaced by 0 and by the largest values (nlohmann refuses numbers too large for a
//     double, so 1e{{seq}} is not), each of those renders is JSON too: a digit run in a number
//     stays a number.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "payload_template.hpp"
#include "sluice/errors.hpp"

namespace {

using sluice::fuzz::printable;

struct Reference {
  bool valid = true;
  std::vector<std::string> literals;  // literals[i] comes before placeholder i; one more at the end
  std::vector<bool> is_seq;           // placeholder i is {{seq}} (else {{timestamp_ms}})

  std::string render(const std::string& seq, const std::string& timestamp) const {
    std::string out = literals[0];
    for (std::size_t i = 0; i < is_seq.size(); ++i) out += (is_seq[i] ? seq : timestamp) + literals[i + 1];
    return out;
  }
};

// The template language, read independently of the code under test.
Reference read_reference(const std::string& text) {
  Reference r;
  std::string literal;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text.compare(pos, 2, "{{") == 0) {
      const std::size_t close = text.find("}}", pos + 2);
      if (close == std::string::npos) return {false, {}, {}};
      const std::string name = text.substr(pos + 2, close - pos - 2);
      if (name != "seq" && name != "timestamp_ms") return {false, {}, {}};
      r.literals.push_back(literal);
      literal.clear();
      r.is_seq.push_back(name == "seq");
      pos = close + 2;
    } else {
      literal += text[pos++];
    }
  }
  r.literals.push_back(literal);
  return r;
}

// Whether any placeholder stands inside a JSON string of `r.render("0", "0")`.
bool placeholder_in_string(const Reference& r) {
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < r.literals.size(); ++i) {
    for (char c : r.literals[i]) {
      if (escaped) {
        escaped = false;
      } else if (in_string && c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = !in_string;
      }
    }
    if (i + 1 < r.literals.size() && (in_string || escaped)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const Reference reference = read_reference(text);

  std::optional<sluice::generator::PayloadTemplate> tmpl;
  try {
    tmpl.emplace(text);
  } catch (const sluice::ConfigError& e) {
    FUZZ_CHECK(!reference.valid, "the template was refused but is valid: ", e.what(), ": ", printable(text));
    FUZZ_CHECK(e.option() == "payload" && std::string(e.what()).size() > 0,
               "the refusal does not name the payload option, or says nothing: '", e.option(), "': ", e.what());
    return 0;
  } catch (const std::exception& e) {
    sluice::fuzz::violated("only ConfigError", "the template threw something else: ", e.what(), ": ", printable(text));
  }
  FUZZ_CHECK(reference.valid, "the template was accepted but is not valid: ", printable(text));

  const std::uint64_t seqs[] = {1, 2, 10, std::numeric_limits<std::uint64_t>::max()};
  const std::int64_t timestamps[] = {0, 1'764'000'000'000, std::numeric_limits<std::int64_t>::max()};
  // nlohmann refuses a number too large for a double (1e{{seq}}): the claim holds between bounds.
  const bool json_template =
      nlohmann::json::accept(reference.render("0", "0")) &&
      nlohmann::json::accept(reference.render(std::to_string(seqs[3]), std::to_string(timestamps[2]))) &&
      !placeholder_in_string(reference);
  for (const auto seq : seqs) {
    for (const auto ts : timestamps) {
      const std::string rendered = tmpl->render(seq, ts);
      const std::string expected = reference.render(std::to_string(seq), std::to_string(ts));
      FUZZ_CHECK(rendered == expected, "render(", seq, ", ", ts, ") gave ", printable(rendered), ", expected ",
                 printable(expected));
      FUZZ_CHECK(!json_template || nlohmann::json::accept(rendered), "the template is JSON but render(", seq, ", ", ts,
                 ") is not: ", printable(rendered));
    }
  }
  return 0;
}
