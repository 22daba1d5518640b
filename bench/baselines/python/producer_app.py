"""The seed's producer, rebuilt: a Flask API that sends each click to Kafka (topic `clicks`).

As in the seed: Flask's own server (threaded), one KafkaProducer shared by the request threads,
JSON in, the click plus a server timestamp out to Kafka. One change for a fair comparison: the
request waits for Kafka's acknowledgement (`.get()`) before answering 200, which is what Sluice's
`ack: delivered` promises; the seed answered before Kafka had the event. Producer settings match
the table in bench/results: acks=all, idempotence on, linger 1 ms, key = page (bench/harness sets
KAFKA_LINGER_MS=0 for the runs at linger 0).
"""
import json
import os
import time

from flask import Flask, jsonify, request
from kafka import KafkaProducer

TOPIC = os.environ.get("CLICKS_TOPIC", "clicks")

producer = KafkaProducer(
    bootstrap_servers=os.environ.get("KAFKA_BROKERS", "127.0.0.1:9092"),
    acks="all",
    enable_idempotence=True,
    linger_ms=int(os.environ.get("KAFKA_LINGER_MS", "1")),
    key_serializer=lambda k: k.encode("utf-8"),
    value_serializer=lambda v: json.dumps(v).encode("utf-8"),
)
app = Flask(__name__)


@app.route("/click", methods=["POST"])
def track_click():
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or "page" not in data or "clickNumber" not in data:
        return jsonify({"status": "error", "message": "page and clickNumber are required"}), 400
    data["timestamp"] = time.time()
    producer.send(TOPIC, key=str(data["page"]), value=data).get(timeout=30)
    return jsonify({"status": "success"}), 200


@app.route("/health")
def health():
    return jsonify({"status": "healthy"})


if __name__ == "__main__":
    host, port = os.environ.get("LISTEN", "127.0.0.1:5000").rsplit(":", 1)
    app.run(host=host, port=int(port), threaded=True)
