#pragma once
// ${VAR} and ${VAR:-default} in YAML values, replaced from the environment. Applied to each
// scalar after parsing, so every error keeps the exact line and column of its value.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::config {

// Looks a variable up; nullopt when unset. The default reads the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_environment();

// Returns the text with every ${...} replaced; "$${" stands for a literal "${". On error returns
// nullopt and sets `error` (unset variable without default, unterminated or malformed reference).
std::optional<std::string> interpolate_env(std::string_view text, const EnvLookup& env, std::string& error);

}  // namespace sluice::config
