#pragma once
// `enrich` transform: gives each event the server's id and receive time, replacing whatever the
// client put in those fields, so the id stored is the id the client was answered with (the HTTP
// source's, else a new UUID) and the time is the server's. A client's own id is kept under
// `client_id_field`. The user agent and client address are added only when asked for: privacy
// by default.

#include "sluice/sdk.hpp"

namespace sluice::clicks {

OptionTable enrich_options();

class Enrich final : public Transform {
 public:
  // The check step: client_id_field names a field of its own.
  static void validate(const Options& options, ValidationContext& check);
  Enrich(const Options& options, Context& context);
  void process(Batch& batch) override;

 private:
  const std::string id_field_;
  const std::string client_id_field_;
  const std::string time_field_;
  const bool user_agent_;
  const bool client_address_;
};

}  // namespace sluice::clicks
