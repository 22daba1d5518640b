#pragma once
// What every fuzz target uses to state its invariant: FUZZ_CHECK(condition, message parts...)
// prints the message and aborts, which libFuzzer records as a crash with the input that caused it.

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

namespace sluice::fuzz {

template <class... Parts>
[[noreturn]] void violated(const char* invariant, const Parts&... parts) {
  std::ostringstream message;
  (message << ... << parts);
  std::fprintf(stderr, "\n==== invariant violated: %s\n==== %s\n", invariant, message.str().c_str());
  std::fflush(stderr);
  std::abort();
}

// Bytes shown in a message: printable ASCII as is, the rest as \xNN, cut after `max` bytes.
inline std::string printable(std::string_view bytes, std::size_t max = 200) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (bytes.size() > max) out += "...(" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

}  // namespace sluice::fuzz

#define FUZZ_CHECK(condition, ...)                                       \
  do {                                                                   \
    if (!(condition)) ::sluice::fuzz::violated(#condition, __VA_ARGS__); \
  } while (false)
