#pragma once
// Everything a plugin needs. Plugins include only headers from this folder.
#include "sluice/batch.hpp"
#include "sluice/component.hpp"
#include "sluice/errors.hpp"
#include "sluice/event.hpp"
#include "sluice/log.hpp"
#include "sluice/option_groups.hpp"
#include "sluice/origin_policy.hpp"
#include "sluice/options.hpp"
#include "sluice/plugin.hpp"
