#pragma once
// "Did you mean ...?" for unknown option names, plugin types and pipeline names.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::config {

// The closest candidate by edit distance, when it is close enough to be a plausible typo.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'rate'?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// "a, b, c" (or "none").
std::string join_names(const std::vector<std::string>& names);

}  // namespace sluice::config
