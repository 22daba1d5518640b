#include "json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "sluice/errors.hpp"

namespace sluice::detail {
namespace {

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when it is not one (overlong
// forms, surrogates, code points past U+10FFFF and cut sequences are not), as in Unicode's
// table 3-7.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  const std::size_t left = text.size() - i;
  const auto cont = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return k < left && byte(i + k) >= lo && byte(i + k) <= hi;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (b0 == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (b0 == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xF1 && b0 <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// True when none of the 8 bytes in `word` needs a second look: no control character, quote,
// backslash or non-ASCII byte. Eight bytes per test instead of one: an event id (36 characters)
// took about 600 instructions byte by byte. Each term is the classic "some byte is below n" test,
// (x - n·0x01…) & ~x & 0x80…, which is exact as a yes/no for n ≤ 0x80; the quote and backslash
// terms test for a zero byte after an XOR.
constexpr bool plain_ascii(std::uint64_t word) {
  constexpr std::uint64_t ones = 0x0101010101010101ull;
  constexpr std::uint64_t high = 0x8080808080808080ull;
  const std::uint64_t quote = word ^ (ones * '"');
  const std::uint64_t backslash = word ^ (ones * '\\');
  const std::uint64_t control = (word - ones * 0x20) & ~word;
  const std::uint64_t is_quote = (quote - ones) & ~quote;
  const std::uint64_t is_backslash = (backslash - ones) & ~backslash;
  return ((control | is_quote | is_backslash | word) & high) == 0;
}

[[noreturn]] void invalid_utf8(std::string_view text, std::size_t at) {
  char reason[96];
  std::snprintf(reason, sizeof reason, "cannot serialise the edited JSON: invalid UTF-8 byte at index %zu: 0x%02X", at,
                static_cast<unsigned>(static_cast<unsigned char>(text[at])));
  throw EventError(reason);
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  std::size_t run = 0;  // start of the bytes copied as they are
  for (std::size_t i = 0; i < text.size();) {
    if (i + 8 <= text.size()) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, sizeof word);
      if (plain_ascii(word)) {
        i += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(text, i);
      if (n == 0) invalid_utf8(text, i);
      i += n;
      continue;
    }
    out.append(text.data() + run, i - run);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xF];
    }
    run = ++i;
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

void append_json(std::string& out, const nlohmann::json& value) {
  char digits[32];
  switch (value.type()) {
    case nlohmann::json::value_t::string:
      append_json_string(out, value.get_ref<const std::string&>());
      return;
    case nlohmann::json::value_t::number_integer: {
      const auto r = std::to_chars(digits, digits + sizeof digits, value.get<std::int64_t>());
      out.append(digits, r.ptr);
      return;
    }
    case nlohmann::json::value_t::number_unsigned: {
      const auto r = std::to_chars(digits, digits + sizeof digits, value.get<std::uint64_t>());
      out.append(digits, r.ptr);
      return;
    }
    case nlohmann::json::value_t::number_float: {
      const double d = value.get<double>();
      if (!std::isfinite(d)) {
        out += "null";
        return;
      }
      const auto r = std::to_chars(digits, digits + sizeof digits, d);
      const std::string_view text(digits, static_cast<std::size_t>(r.ptr - digits));
      out += text;
      // "1" would read back as an integer: keep it a float, as dump() does ("1.0").
      if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
      return;
    }
    case nlohmann::json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      out += "null";
      return;
    default:
      try {
        out += value.dump();
      } catch (const nlohmann::json::type_error& e) {
        std::string what = e.what();
        if (auto pos = what.find("] "); pos != std::string::npos) what.erase(0, pos + 2);
        throw EventError("cannot serialise the edited JSON: " + what);
      }
  }
}

}  // namespace sluice::detail
