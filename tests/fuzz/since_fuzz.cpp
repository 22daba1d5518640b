// Fuzzes `?since=` parsing (plugins/websocket/since.hpp, parse_since): the whole input is the
// request target of a dashboard's WebSocket upgrade, e.g. "/?since=0123456789abcdef:42".
//
// Invariant: parse_since gives a result only when the target's query (what follows its first '?')
// has a parameter (split on '&') named exactly `since` whose value is EPOCH:SEQ, with the result's
// epoch equal to EPOCH and its seq equal to SEQ, where SEQ is a decimal uint64 that round-trips:
// std::to_string(seq) == SEQ (no sign, no leading zeros or spaces, no trailing junk, no wrap).
// It never throws. (It may refuse more: an epoch that is not this sink's form, say.)

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "since.hpp"

namespace {

using sluice::fuzz::printable;

// The result's epoch and seq, whether parse_since returns a pair or a struct with named members.
template <class R>
std::string epoch_of(const R& r) {
  if constexpr (requires { r.first; }) {
    return std::string(r.first);
  } else {
    return std::string(r.epoch);
  }
}
template <class R>
std::uint64_t seq_of(const R& r) {
  if constexpr (requires { r.second; }) {
    return r.second;
  } else {
    return r.seq;
  }
}

// Whether `query` has a parameter since=EPOCH:SEQ that the result (epoch, seq) reads exactly.
bool query_allows(std::string_view target, const std::string& epoch, std::uint64_t seq) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) return false;
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));  // a fragment is not part of the query
  for (;;) {
    const auto amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    if (param.substr(0, 6) == "since=") {
      const std::string_view value = param.substr(6);
      if (value == epoch + ":" + std::to_string(seq)) return true;
    }
    if (amp == std::string_view::npos) return false;
    query.remove_prefix(amp + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  try {
    const auto result = sluice::websocket::parse_since(target);
    if (!result) return 0;
    const std::string epoch = epoch_of(*result);
    const std::uint64_t seq = seq_of(*result);
    FUZZ_CHECK(query_allows(target, epoch, seq), "parse_since read epoch '", printable(epoch), "' and seq ", seq,
               " from a target with no parameter since=", printable(epoch), ":", seq, ": ", printable(target));
  } catch (const std::exception& e) {
    sluice::fuzz::violated("parse_since never throws", "parse_since threw: ", e.what(), ": ", printable(target));
  }
  return 0;
}
