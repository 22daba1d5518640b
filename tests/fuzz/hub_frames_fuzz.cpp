// Fuzzes the WebSocket sink's frame building (plugins/websocket/broadcast_hub.hpp): batches of
// arbitrary payload bytes are published, clients join with arbitrary ?since= values and leave.
//
// Input: a replay buffer size and snapshot size, then operations, each picked by one byte:
//   publish: a batch of events, each with arbitrary payload bytes and made one of three ways: a
//            plain event (as the kafka and inproc sources make them), an event whose JSON was
//            parsed upstream (as the http source makes them: the payload is what nlohmann parsed,
//            byte order mark included), or a stats event (metadata sluice.kind=stats, as aggregate
//            makes them);
//   join:    a client joins with no since, with (this hub's epoch, any seq), or with any epoch;
//   leave:   a client leaves.
//
// Invariant: the hub never throws, and every frame it makes (live "events" frames, the "snapshot"
// and the catch-up "events" frame a joining client gets) parses as JSON (nlohmann, strict UTF-8),
// is an object whose "type" is "events" or "snapshot", whose "epoch" is the hub's, and whose
// "events" is an array of {"seq", "data"} with increasing seq, none above the frame's "seq"; a
// catch-up frame for since=E:N holds only events after N.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <nlohmann/json.hpp>

#include "broadcast_hub.hpp"
#include "fuzz_check.hpp"

namespace {

using sluice::fuzz::printable;
using json = nlohmann::json;
using sluice::websocket::Frame;

std::string g_epoch;  // of the hub the current input runs against, for the checks

// Checks one frame; `after` is the since value of a catch-up frame.
void check_frame(const Frame& frame, const char* how, std::optional<std::uint64_t> after = std::nullopt) {
  FUZZ_CHECK(frame != nullptr, how, ": no frame");
  const json doc = json::parse(*frame, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!doc.is_discarded(), how, " frame is not JSON: ", printable(*frame, 400));
  FUZZ_CHECK(doc.is_object(), how, " frame is not an object: ", printable(*frame));
  const auto type = doc.value("type", std::string());
  FUZZ_CHECK(type == "events" || type == "snapshot", how, " frame has type '", type, "'");
  FUZZ_CHECK(doc.value("epoch", std::string()) == g_epoch, how, " frame has another epoch: ", printable(*frame));
  FUZZ_CHECK(doc.contains("seq") && doc["seq"].is_number_unsigned(), how, " frame has no seq: ", printable(*frame));
  const auto frame_seq = doc["seq"].get<std::uint64_t>();
  FUZZ_CHECK(doc.contains("events") && doc["events"].is_array(), how, " frame has no events array");
  std::uint64_t last = 0;
  for (const auto& e : doc["events"]) {
    FUZZ_CHECK(e.is_object() && e.contains("seq") && e["seq"].is_number_unsigned() && e.contains("data"), how,
               " frame has an event without seq or data: ", printable(e.dump()));
    const auto seq = e["seq"].get<std::uint64_t>();
    FUZZ_CHECK(seq > last && seq <= frame_seq, how, " frame has event seq ", seq, " after ", last, ", frame seq ",
               frame_seq);
    FUZZ_CHECK(!after || type != "events" || seq > *after, how, " catch-up frame since ", *after, " holds event ", seq);
    last = seq;
  }
}

class CheckingClient : public sluice::websocket::Client {
 public:
  void deliver(Frame frame) override { check_frame(frame, "live"); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto replay_size = in.ConsumeIntegralInRange<std::size_t>(0, 16);
  const auto snapshot_events = in.ConsumeIntegralInRange<std::size_t>(0, 16);
  sluice::websocket::BroadcastHub hub(replay_size, snapshot_events);
  g_epoch = hub.epoch();
  std::vector<std::shared_ptr<CheckingClient>> clients;

  while (in.remaining_bytes() > 0) {
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
      case 0:
      case 1: {
        std::vector<sluice::Event> events;
        const auto count = in.ConsumeIntegralInRange<int>(1, 4);
        for (int i = 0; i < count && in.remaining_bytes() > 0; ++i) {
          const auto how = in.ConsumeIntegralInRange<int>(0, 2);
          std::string payload = in.ConsumeRandomLengthString(256);
          if (how == 1) {
            json parsed = json::parse(payload, nullptr, /*allow_exceptions=*/false);
            if (!parsed.is_discarded()) {
              events.emplace_back(std::move(payload), std::move(parsed));
              continue;
            }
          }
          events.emplace_back(std::move(payload));
          if (how == 2) events.back().meta().set("sluice.kind", "stats");
        }
        const sluice::Batch batch(std::move(events));
        try {
          hub.publish(batch);
        } catch (const std::exception& e) {
          std::string payloads;
          for (const auto& ev : batch) payloads += " [" + printable(ev.payload()) + "]";
          sluice::fuzz::violated("publish never throws", "publish threw: ", e.what(), "; payloads:", payloads);
        }
        break;
      }
      case 2: {
        auto client = std::make_shared<CheckingClient>();
        std::optional<std::pair<std::string, std::uint64_t>> since;
        switch (in.ConsumeIntegralInRange<int>(0, 2)) {
          case 0:
            break;
          case 1:
            since.emplace(g_epoch, in.ConsumeIntegral<std::uint64_t>());
            break;
          case 2:
            since.emplace(in.ConsumeRandomLengthString(20), in.ConsumeIntegral<std::uint64_t>());
            break;
        }
        Frame first;
        try {
          first = hub.join(client, since);
        } catch (const std::exception& e) {
          sluice::fuzz::violated("join never throws", "join threw: ", e.what());
        }
        check_frame(first, "joining", since && since->first == g_epoch ? std::optional(since->second) : std::nullopt);
        clients.push_back(std::move(client));
        break;
      }
      case 3:
        if (!clients.empty()) {
          const auto i = in.ConsumeIntegralInRange<std::size_t>(0, clients.size() - 1);
          hub.leave(clients[i]);
          clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(i));
        }
        break;
    }
  }
  hub.clear();
  return 0;
}
