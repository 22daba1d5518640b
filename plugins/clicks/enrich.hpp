#pragma once
// `enrich` transform: gives each event an id (the HTTP source's, else a new UUID) when it has
// none, and the server's receive time. The user agent and client address are added only when
// asked for: privacy by default.

#include "sluice/sdk.hpp"

namespace sluice::clicks {

OptionTable enrich_options();

class Enrich final : public Transform {
 public:
  Enrich(const Options& options, Context& context);
  void process(Batch& batch) override;

 private:
  const std::string id_field_;
  const std::string time_field_;
  const bool user_agent_;
  const bool client_address_;
};

}  // namespace sluice::clicks
