#pragma once
// `json_validate` transform: each event must be a JSON object with the required fields, each of
// its declared JSON type. A failure rejects that event with the reason (the HTTP source answers
// 400 with it); the others go on.

#include <string>
#include <vector>

#include "sluice/sdk.hpp"

namespace sluice::clicks {

OptionTable json_validate_options();

class JsonValidate final : public Transform {
 public:
  JsonValidate(const Options& options, Context& context);
  void process(Batch& batch) override;

 private:
  enum class Kind { string, number, integer, boolean, object, array, any };
  std::vector<std::pair<std::string, Kind>> fields_;
};

}  // namespace sluice::clicks
