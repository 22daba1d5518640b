#pragma once
// The metadata keys more than one component reads or writes: a source sets them, and a transform,
// a sink or the engine reads them. Named once here, so a typo is a compile error rather than a key
// that is silently never found. A key only one plugin uses stays in that plugin.
//
// Values are strings, as all metadata is (numbers in decimal).

namespace sluice::metadata_key {

// The event's id: the http source sets the one its client is answered with; enrich writes it into
// the payload (and makes one when no source did).
inline constexpr char id[] = "id";

// Set by the http source.
inline constexpr char http_user_agent[] = "http.user_agent";
inline constexpr char http_client_address[] = "http.client_address";  // only with client_address: true

// Set by the kafka source: where the message was read from.
inline constexpr char kafka_topic[] = "kafka.topic";
inline constexpr char kafka_partition[] = "kafka.partition";
inline constexpr char kafka_offset[] = "kafka.offset";
inline constexpr char kafka_key[] = "kafka.key";                    // when the message has a key
inline constexpr char kafka_timestamp_ms[] = "kafka.timestamp_ms";  // when the broker gave one

// What kind of event a transform made, when it is not a plain input event: aggregate's counts are
// "stats", which the websocket sink sends as a stats frame.
inline constexpr char sluice_kind[] = "sluice.kind";

// Set by the engine on an event it hands to a pipeline's dead-letter sink.
inline constexpr char dead_letter_prefix[] = "dead_letter.";
inline constexpr char dead_letter_reason[] = "dead_letter.reason";        // why it was refused
inline constexpr char dead_letter_component[] = "dead_letter.component";  // e.g. "transforms[0] json_validate"
inline constexpr char dead_letter_at[] = "dead_letter.at";                // Unix milliseconds

}  // namespace sluice::metadata_key
