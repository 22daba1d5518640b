#include "enrich.hpp"

#include <nlohmann/json.hpp>

#include "sluice/uuid.hpp"

namespace sluice::clicks {

OptionTable enrich_options() {
  OptionTable t;
  t.add("id_field", OptionType::string, "Field that gets the event id when the event has none").default_to("id");
  t.add("time_field", OptionType::string, "Field that gets the server's receive time, Unix milliseconds")
      .default_to("receivedAt");
  t.add("user_agent", OptionType::boolean, "Add the client's User-Agent as `userAgent`").default_to("false");
  t.add("client_address", OptionType::boolean,
        "Add the client's address as `clientAddress` (the http source must have client_address: true)")
      .default_to("false");
  return t;
}

namespace {

// A header is whatever bytes the client sent; JSON strings must be UTF-8. Bytes that are not
// become U+FFFD rather than costing the click.
std::string as_utf8(const std::string& raw) {
  const std::string quoted = nlohmann::json(raw).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(quoted).get<std::string>();
}

}  // namespace

Enrich::Enrich(const Options& o, Context&)
    : id_field_(o.get_string("id_field")),
      time_field_(o.get_string("time_field")),
      user_agent_(o.get_bool("user_agent")),
      client_address_(o.get_bool("client_address")) {}

void Enrich::process(Batch& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Event& e = batch[i];
    try {
      const nlohmann::json& doc = e.json();
      if (!doc.is_object()) {
        batch.reject(i, "expected a JSON object to enrich");
        continue;
      }
      // set_member appends to the payload text: the event is not re-serialised for the sinks.
      if (!doc.contains(id_field_)) {
        const std::string* id = e.meta().find("id");
        e.set_member(id_field_, id ? *id : random_uuid());
      }
      e.set_member(time_field_,
                   std::chrono::duration_cast<std::chrono::milliseconds>(e.received_at().time_since_epoch()).count());
      if (user_agent_) {
        if (const std::string* ua = e.meta().find("http.user_agent")) e.set_member("userAgent", as_utf8(*ua));
      }
      if (client_address_) {
        if (const std::string* addr = e.meta().find("http.client_address")) e.set_member("clientAddress", *addr);
      }
    } catch (const EventError& err) {
      batch.reject(i, err.what());
    }
  }
}

}  // namespace sluice::clicks
