"""The connectors' librdkafka producer, broker-free: the settings it is made with, and how what
librdkafka reports becomes the kafka-python error the connector and the command line act on."""

from __future__ import annotations

from pathlib import Path

import kafka.errors
from confluent_kafka import KafkaError as RdKafkaError
from pydantic import SecretStr

from connectors.producer import connector_producer_config, kafka_python_error
from streams.kafka_auth import KafkaAuth

REFUSED = RdKafkaError(29, "Broker: Topic authorization failed", txn_requires_abort=True)


def test_a_connector_producer_is_transactional_on_every_replica_and_partitions_as_java() -> None:
    config = connector_producer_config("127.0.0.1:9092", "accidents", "injuryhub-accidents")
    assert config["transactional.id"] == "injuryhub-accidents"
    assert config["acks"] == "all" and config["enable.idempotence"] is True
    # librdkafka's own default (CRC32) would put a key on another partition than the hub's
    # kafka-python and aiokafka producers give it
    assert config["partitioner"] == "murmur2_random"
    assert config["security.protocol"] == "PLAINTEXT"


def test_logins_and_the_ca_are_spelled_for_librdkafka(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    auth = KafkaAuth("SASL_SSL", "SCRAM-SHA-512", "dept-housing", SecretStr("s3cret"), ca)
    config = connector_producer_config("b:9093", "c", "t", auth)
    assert config["security.protocol"] == "SASL_SSL"
    assert config["sasl.mechanism"] == "SCRAM-SHA-512"
    assert (config["sasl.username"], config["sasl.password"]) == ("dept-housing", "s3cret")
    assert config["ssl.ca.location"] == str(ca)
    system_cas = KafkaAuth("SSL").librdkafka()
    assert system_cas["ssl.ca.location"] == "probe" and "sasl.username" not in system_cas


def test_a_refused_delivery_names_its_topic_with_kafka_pythons_class() -> None:
    commit_failed = RdKafkaError(
        RdKafkaError._INCONSISTENT, "Failed to flush 3 messages", txn_requires_abort=True
    )
    error = kafka_python_error(
        commit_failed, "commit", "injuryhub-accidents", ("dept.hrss.injury-recognition.v1", REFUSED)
    )
    assert isinstance(error, kafka.errors.TopicAuthorizationFailedError)
    assert "topic dept.hrss.injury-recognition.v1" in str(error)
    assert "Topic authorization failed" in str(error)


def test_brokers_that_do_not_answer_make_a_timeout_so_a_fresh_producer_takes_over() -> None:
    lost = RdKafkaError(RdKafkaError._MSG_TIMED_OUT, "Local: Message timed out")
    via_delivery = kafka_python_error(lost, "commit", "t", ("dept.x.y.v1", lost))
    commit_timed_out = RdKafkaError(RdKafkaError._TIMED_OUT, "Local: Timed out", retriable=True)
    by_itself = kafka_python_error(commit_timed_out, "commit", "injuryhub-accidents", None)
    for error in (via_delivery, by_itself):
        assert isinstance(error, kafka.errors.KafkaTimeoutError)
    assert "commit failed for transactional id injuryhub-accidents" in str(by_itself)


def test_anything_else_is_a_plain_kafka_error_with_librdkafkas_words() -> None:
    fenced = RdKafkaError(RdKafkaError._FENCED, "Local: This instance has been fenced", fatal=True)
    error = kafka_python_error(fenced, "set-up", "injuryhub-accidents", None)
    assert type(error) is kafka.errors.KafkaError
    assert "set-up failed for transactional id injuryhub-accidents" in str(error)
    assert "fenced" in str(error)
