"""The broker side of the correctness gates: fresh topics per run, and counting what reached them."""
import subprocess

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

BROKERS = "127.0.0.1:9092"


def create(names, partitions=3):
    admin = KafkaAdminClient(bootstrap_servers=BROKERS)
    try:
        admin.create_topics([NewTopic(n, num_partitions=partitions, replication_factor=1) for n in names])
    finally:
        admin.close()


def delete(names):
    admin = KafkaAdminClient(bootstrap_servers=BROKERS)
    try:
        admin.delete_topics(list(names))
    finally:
        admin.close()


def count(topic):
    """Messages in the topic: the sum of its partitions' end offsets (no transactions, no deletes)."""
    consumer = KafkaConsumer(bootstrap_servers=BROKERS)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        return sum(consumer.end_offsets(parts).values())
    finally:
        consumer.close()


def produce_lines(topic, lines):
    """Writes one message per line with kcat (acks=all), for the Kafka -> WebSocket cases."""
    data = ("\n".join(lines) + "\n").encode()
    subprocess.run(["kcat", "-P", "-b", BROKERS, "-t", topic, "-X", "acks=all", "-X", "linger.ms=5"],
                   input=data, check=True, timeout=300)

