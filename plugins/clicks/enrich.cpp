#include "enrich.hpp"

#include <nlohmann/json.hpp>

#include "ids/random_uuid.hpp"
#include "sluice/metadata_keys.hpp"
#include "utf8.hpp"

namespace sluice::clicks {

OptionTable enrich_options() {
  OptionTable t;
  t.add("id_field", OptionType::string,
        "Field that gets the server's event id (the HTTP source's, the one its client is answered with; a new "
        "UUID when the source gave none), replacing a client's value")
      .default_to("id");
  t.add("client_id_field", OptionType::string,
        "Field that keeps a client's own value of id_field; empty drops that value")
      .default_to("clientId");
  t.add("time_field", OptionType::string,
        "Field that gets the server's receive time, Unix milliseconds, replacing a client's value")
      .default_to("receivedAt");
  t.add("user_agent", OptionType::boolean, "Add the client's User-Agent as `userAgent`").default_to("false");
  t.add("client_address", OptionType::boolean,
        "Add the client's address as `clientAddress` (the http source must have client_address: true)")
      .default_to("false");
  return t;
}

void Enrich::validate(const Options& o, ValidationContext& check) {
  const std::string& client_id_field = o.get_string("client_id_field");
  if (client_id_field == o.get_string("id_field") || client_id_field == o.get_string("time_field")) {
    check.error("client_id_field",
                "'" + client_id_field + "' is also id_field or time_field; name another field, or leave it empty");
  }
}

Enrich::Enrich(const Options& o, Context&)
    : id_field_(o.get_string("id_field")),
      client_id_field_(o.get_string("client_id_field")),
      time_field_(o.get_string("time_field")),
      user_agent_(o.get_bool("user_agent")),
      client_address_(o.get_bool("client_address")) {}

void Enrich::process(Batch& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Event& e = batch[i];
    try {
      // json_type() and member_type() check the text without building a DOM (after json_validate
      // they cost nothing more), and set_member appends a new member to the text, so the event is
      // neither parsed into a DOM nor re-serialised for the sinks. A member the client sent
      // already is replaced in the parsed document and the payload re-serialised from it: the
      // text never holds a field twice.
      if (e.json_type() != JsonType::object) {
        batch.reject(i, "expected a JSON object to enrich");
        continue;
      }
      if (e.member_type(id_field_) != JsonType::absent && !client_id_field_.empty()) {
        nlohmann::json value = *e.member(id_field_);
        e.set_member(client_id_field_, std::move(value));
      }
      const std::string* id = e.meta().find(metadata_key::id);
      if (id == nullptr) {
        e.meta().set(metadata_key::id, random_uuid());  // what the source would answer with, had it asked
        id = e.meta().find(metadata_key::id);
      }
      e.set_member(id_field_, *id);
      e.set_member(time_field_,
                   std::chrono::duration_cast<std::chrono::milliseconds>(e.received_at().time_since_epoch()).count());
      if (user_agent_) {
        if (const std::string* ua = e.meta().find(metadata_key::http_user_agent))
          e.set_member("userAgent", valid_utf8(*ua));
      }
      if (client_address_) {
        if (const std::string* addr = e.meta().find(metadata_key::http_client_address))
          e.set_member("clientAddress", valid_utf8(*addr));
      }
    } catch (const EventError& err) {
      batch.reject(i, err.what());
    }
  }
}

}  // namespace sluice::clicks
