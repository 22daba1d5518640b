#pragma once
// Exception types that may cross the plugin boundary. They are defined (key functions) in
// libsluice_sdk.so so that the engine and every plugin share one type_info for each.

#include <stdexcept>
#include <string>

#include "sluice/export.hpp"

namespace sluice {

// Base of every error Sluice raises on purpose.
class SLUICE_EXPORT Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  ~Error() override;
};

// A component refuses its configuration. Thrown from a component factory; the engine reports it
// at the YAML location of `option` (or of the component when `option` is empty) and exits with 2.
class SLUICE_EXPORT ConfigError : public Error {
 public:
  ConfigError(std::string option, const std::string& message);
  ~ConfigError() override;
  const std::string& option() const noexcept { return option_; }

 private:
  std::string option_;
};

// An event's payload is not what the caller expected (for example malformed JSON).
class SLUICE_EXPORT EventError : public Error {
 public:
  using Error::Error;
  ~EventError() override;
};

}  // namespace sluice
