#include "net_support/listener_options.hpp"

namespace sluice::option_groups {

void listener(OptionTable& t, const std::string& default_listen) {
  t.add("listen", OptionType::string, "Address and port to listen on, host:port; 0.0.0.0 for every interface")
      .default_to(default_listen)
      .example("0.0.0.0:" + default_listen.substr(default_listen.rfind(':') + 1));
  t.add("max_connections", OptionType::integer, "Open connections at most; more are refused with 503")
      .default_to("1024")
      .at_least(1)
      .at_most(1000000);
  t.add("read_timeout", OptionType::duration, "Longest a client may take to send one request or message")
      .default_to("10s")
      .at_least(1)
      .example("30s");
  t.add("idle_timeout", OptionType::duration, "A connection with nothing to say for this long is closed")
      .default_to("60s")
      .at_least(1)
      .example("5m");
  t.add("allowed_hosts", OptionType::string_list,
        "Host names clients may use for this server besides localhost, 127.0.0.1, [::1] and the listen address "
        "(a defence against DNS rebinding); requests naming another Host get 421. `name` allows any port, "
        "`name:port` only that port, \"*\" any Host. When listening on 0.0.0.0 or [::], any IP address is "
        "allowed and names must be listed")
      .default_to("")
      .example("[clicks.example.com, clicks.example.com:443]");
}

}  // namespace sluice::option_groups
