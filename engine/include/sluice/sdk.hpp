#pragma once
// Everything a plugin needs: the SDK is the plugin contract and nothing else (events and batches,
// options, the three component kinds and the plugin macro, logging). Helpers that only some
// plugins share (listening sockets, Host/Origin policy, Kafka connection settings) are plugin-side
// code: in this repository plugins/common, linked into the plugins that use them, never the ABI.
// How the engine calls a component, from which thread, and what outlives what: sluice/thread_model.hpp.
#include "sluice/batch.hpp"
#include "sluice/component.hpp"
#include "sluice/errors.hpp"
#include "sluice/event.hpp"
#include "sluice/log.hpp"
#include "sluice/metrics.hpp"
#include "sluice/options.hpp"
#include "sluice/plugin.hpp"
