#!/usr/bin/python3
"""Parses a real render of the engine's metrics with prometheus_client's parser (Debian's
python3-prometheus-client, the reference implementation of the text format) and checks the
families, their types and the counts of a finite run.

Usage: prometheus_text_check.py <metrics_render_sample> <plugin folder>
"""
import subprocess
import sys

from prometheus_client.parser import text_string_to_metric_families

N = 300


def main():
    sample_program, plugin_dir = sys.argv[1], sys.argv[2]
    text = subprocess.run([sample_program, plugin_dir, str(N)], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    families = {f.name: f for f in text_string_to_metric_families(text)}

    def value(family, sample_name, **labels):
        found = [s.value for s in families[family].samples
                 if s.name == sample_name and all(s.labels.get(k) == v for k, v in labels.items())]
        assert len(found) == 1, f"{sample_name}{labels}: {len(found)} samples in\n{text}"
        return found[0]

    # prometheus_client names counter families without their _total suffix.
    expected_types = {
        "sluice_component_received_events": "counter",
        "sluice_component_received_bytes": "counter",
        "sluice_component_sent_events": "counter",
        "sluice_component_sent_bytes": "counter",
        "sluice_component_errors": "counter",
        "sluice_event_latency_seconds": "histogram",
        "sluice_build_info": "gauge",
        "process_resident_memory_bytes": "gauge",
        "process_cpu_seconds": "counter",
        "process_open_fds": "gauge",
        "process_start_time_seconds": "gauge",
    }
    for name, kind in expected_types.items():
        assert name in families, f"no family {name} in\n{text}"
        assert families[name].type == kind, f"{name} is a {families[name].type}, not a {kind}"

    total = "sluice_component_received_events_total"
    assert value("sluice_component_received_events", total, pipeline="front", component="source generator",
                 type="generator") == N
    assert value("sluice_component_sent_events", "sluice_component_sent_events_total", pipeline="front",
                 component="sinks[0] inproc", type="inproc") == N
    assert value("sluice_component_received_events", total, pipeline="back", component="source inproc",
                 type="inproc") == N
    assert value("sluice_component_sent_events", "sluice_component_sent_events_total", pipeline="back",
                 component="sinks[0] drop", type="drop") == N
    payload = len('{"n":1}')
    assert value("sluice_component_received_bytes", "sluice_component_received_bytes_total", pipeline="front",
                 component="source generator", type="generator") == N * payload
    assert value("sluice_event_latency_seconds", "sluice_event_latency_seconds_count", pipeline="back",
                 sink="sinks[0] drop") == N
    assert value("sluice_event_latency_seconds", "sluice_event_latency_seconds_bucket", pipeline="back",
                 sink="sinks[0] drop", le="+Inf") == N
    assert value("process_resident_memory_bytes", "process_resident_memory_bytes") > 0
    print(f"prometheus_client parsed {len(families)} families; every count on the path is {N}")


if __name__ == "__main__":
    main()
