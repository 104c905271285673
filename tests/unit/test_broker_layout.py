import base64
import uuid
from pathlib import Path

import pytest

from streams.broker.layout import ClusterLayout, new_cluster_id


def _layout(tmp_path: Path, nodes: int) -> ClusterLayout:
    return ClusterLayout(tmp_path, nodes, 29092, 29192, new_cluster_id(), "4.1.1")


def _properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")
    return dict(pairs)


def test_cluster_id_is_sixteen_bytes_in_urlsafe_base64() -> None:
    cluster_id = new_cluster_id()
    assert len(cluster_id) == 22
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
    assert new_cluster_id() != cluster_id


def test_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    dash_first = uuid.UUID(bytes=b"\xf8" + bytes(15))  # base64 "-A..." reads as an option
    plain = uuid.UUID(bytes=b"\x10" + bytes(15))
    draws = iter([dash_first, plain])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws))
    assert new_cluster_id() == base64.urlsafe_b64encode(plain.bytes).rstrip(b"=").decode()


def test_three_nodes_form_one_quorum_on_consecutive_ports(tmp_path: Path) -> None:
    layout = _layout(tmp_path, 3)
    assert [node.broker_port for node in layout.nodes] == [29092, 29093, 29094]
    assert layout.bootstrap == "127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094"
    props = _properties(layout.render_properties(layout.nodes[1]))
    assert props["node.id"] == "2"
    assert props["controller.quorum.voters"] == (
        "1@127.0.0.1:29192,2@127.0.0.1:29193,3@127.0.0.1:29194"
    )
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:29093,CONTROLLER://127.0.0.1:29193"
    assert props["log.dirs"] == str(tmp_path / "node-2" / "data")


def test_replication_settings_follow_the_node_count(tmp_path: Path) -> None:
    single = _properties(_layout(tmp_path, 1).render_properties(_layout(tmp_path, 1).nodes[0]))
    triple_layout = _layout(tmp_path, 3)
    triple = _properties(triple_layout.render_properties(triple_layout.nodes[0]))
    assert (single["offsets.topic.replication.factor"], single["min.insync.replicas"]) == ("1", "1")
    assert (triple["offsets.topic.replication.factor"], triple["min.insync.replicas"]) == ("3", "2")
    assert triple["auto.create.topics.enable"] == "false"


def test_layout_survives_a_save_and_load(tmp_path: Path) -> None:
    layout = _layout(tmp_path, 3)
    layout.save()
    assert ClusterLayout.load(tmp_path) == layout
    assert ClusterLayout.load(tmp_path / "elsewhere") is None
