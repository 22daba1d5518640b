#pragma once
// Random (version 4) UUIDs for event ids, for the plugins that give events an id (the http source,
// enrich). Plugin-side code (plugins/common, target sluice_id_support), not part of the SDK.

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

namespace sluice {

namespace detail {
// "000102…feff": the two hex digits of every byte value, so a byte is written with one copy.
inline constexpr std::array<char, 512> kHexPairs = [] {
  constexpr char digits[] = "0123456789abcdef";
  std::array<char, 512> pairs{};
  for (int b = 0; b < 256; ++b) {
    pairs[2 * b] = digits[b >> 4];
    pairs[2 * b + 1] = digits[b & 0xF];
  }
  return pairs;
}();
}  // namespace detail

inline std::string random_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t hi = (rng() & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;
  const std::uint64_t lo = (rng() & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  // Hex by hand, a byte at a time from a table: one id per event, and snprintf's format parsing
  // and locale lookups showed in the batch-ingest profile (then a nibble loop, 500 instructions).
  std::string out(36, '-');
  char* o = out.data();
  int byte = 0;  // of the 16, most significant first
  const auto put = [&](int bytes) {
    for (int k = 0; k < bytes; ++k, ++byte, o += 2) {
      const std::uint64_t half = byte < 8 ? hi : lo;
      const unsigned value = static_cast<unsigned>(half >> (8 * (7 - byte % 8))) & 0xFF;
      std::memcpy(o, &detail::kHexPairs[2 * value], 2);
    }
  };
  put(4);  // 8-4-4-4-12 digits; the dashes between are already there
  ++o, put(2);
  ++o, put(2);
  ++o, put(2);
  ++o, put(6);
  return out;
}

}  // namespace sluice
