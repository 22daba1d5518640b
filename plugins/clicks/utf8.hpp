#pragma once
// UTF-8 checks for text that came from a client or a Kafka message: JSON strings must be UTF-8,
// and a reason or a key we send on must be both valid and short.

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::clicks {

// Where the first byte that is not part of a well-formed UTF-8 sequence sits (overlong forms,
// surrogates and code points past U+10FFFF are not well-formed); npos when the text is valid.
std::size_t first_invalid_utf8(std::string_view text);

// The text with each ill-formed byte replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

// Valid UTF-8 of at most `max_bytes` bytes plus a trailing "…" when it had to be cut. The cut
// falls on a character boundary, so the result stays valid.
std::string cut_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace sluice::clicks
