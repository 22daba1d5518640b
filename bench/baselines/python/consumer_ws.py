"""The seed's consumer, rebuilt: reads topic `clicks` and sends every event to every connected
WebSocket client (port 8765 in the seed).

As in the seed: a kafka-python consumer in a thread, a `websockets` server on asyncio, each
message broadcast as it arrives, with the library's own `broadcast()` (no per-client queue limit:
a slow client's backlog grows in this process's memory).
"""
import asyncio
import os
import threading

from kafka import KafkaConsumer
from websockets.asyncio.server import broadcast, serve

TOPIC = os.environ.get("CLICKS_TOPIC", "clicks")
clients = set()


async def handler(websocket):
    clients.add(websocket)
    try:
        await websocket.wait_closed()
    finally:
        clients.discard(websocket)


def consume(loop):
    consumer = KafkaConsumer(
        TOPIC,
        bootstrap_servers=os.environ.get("KAFKA_BROKERS", "127.0.0.1:9092"),
        group_id=os.environ.get("GROUP", "click-broadcast"),
        auto_offset_reset="earliest",
        enable_auto_commit=True,
    )
    for message in consumer:
        loop.call_soon_threadsafe(broadcast, clients, message.value.decode("utf-8"))


async def main():
    host, port = os.environ.get("LISTEN", "127.0.0.1:8765").rsplit(":", 1)
    async with serve(handler, host, int(port), max_size=None):
        loop = asyncio.get_running_loop()
        threading.Thread(target=consume, args=(loop,), daemon=True).start()
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
