#include "sluice/errors.hpp"

namespace sluice {

// Out-of-line destructors are the key functions: they pin each type_info to libsluice_sdk.so.
Error::~Error() = default;
ConfigError::ConfigError(std::string option, const std::string& message) : Error(message), option_(std::move(option)) {}
ConfigError::~ConfigError() = default;
EventError::~EventError() = default;

}  // namespace sluice
