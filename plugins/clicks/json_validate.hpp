#pragma once
// `json_validate` transform: each event must be valid UTF-8 and a JSON object with the required
// fields, each of its declared JSON type. A failure rejects that event with the reason (the HTTP
// source answers 400 with it; a Kafka message goes to the dead letters); the others go on. The
// reason is always valid UTF-8 and at most a few hundred bytes, whatever the payload held.

#include <optional>
#include <string>
#include <vector>

#include "sluice/sdk.hpp"

namespace sluice::clicks {

OptionTable json_validate_options();

class JsonValidate final : public Transform {
 public:
  // The check step: every field's type is one of the known names (all of them are reported).
  static void validate(const Options& options, ValidationContext& check);
  JsonValidate(const Options& options, Context& context);
  void process(Batch& batch) override;

 private:
  enum class Kind { string, number, integer, boolean, object, array, any };
  static std::optional<Kind> kind_named(const std::string& name);
  std::vector<std::pair<std::string, Kind>> fields_;
};

}  // namespace sluice::clicks
