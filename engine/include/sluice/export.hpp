#pragma once
// Symbols that must be seen across the engine/plugin boundary. Plugins are built with hidden
// visibility, so anything a plugin must share with the engine (entry points, exception types)
// carries this mark.
#define SLUICE_EXPORT __attribute__((visibility("default")))
