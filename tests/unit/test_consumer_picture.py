"""The consumer's part of the SIGUSR1 picture (injuryhub/consumer_picture.py), on plain objects
shaped like the Faust and aiokafka internals it reads."""

from __future__ import annotations

from types import SimpleNamespace

from faust.types import TP

from injuryhub.consumer_picture import consumer_picture
from injuryhub.stacks import HEADER, stacks


def _app() -> SimpleNamespace:
    seeked, idle = TP("t", 0), TP("t", 1)
    states = {
        seeked: SimpleNamespace(position=7, has_valid_position=True, paused=False,
                                awaiting_reset=False),
        idle: SimpleNamespace(position=None, has_valid_position=False, paused=False,
                              awaiting_reset=True),
    }  # fmt: skip
    assignment = SimpleNamespace(tps={seeked, idle}, state_value=states.get)
    aio = SimpleNamespace(
        _subscription=SimpleNamespace(subscription=SimpleNamespace(assignment=assignment)),
        _fetcher=SimpleNamespace(_records={seeked: ValueError("a fetch error")}),
    )
    consumer = SimpleNamespace(
        _thread=SimpleNamespace(_consumer=aio), flow_active=True,
        suspend_flow=SimpleNamespace(is_set=lambda: False),
        _active_partitions={idle}, _paused_partitions=set(), _buffered_partitions={seeked},
        _unacked_messages=set(), _read_offset={seeked: 3}, _committed_offset={seeked: 2},
        _acked={seeked: [6, 4, 5, 9]}, _gap={seeked: ["an interval"]},
    )  # fmt: skip
    return SimpleNamespace(consumer=consumer, rebalancing=False, in_recovery=False,
                           flow_control=SimpleNamespace(is_active=lambda: True))  # fmt: skip


def test_the_picture_gives_the_partition_sets_and_each_partitions_position_and_commits() -> None:
    lines = consumer_picture(_app()).splitlines()

    assert lines[0] == "CONSUMER"
    assert lines[2:5] == ["  active: t[1]", "  paused (Faust): -", "  buffered: t[0]"]
    assert lines[6:] == [
        "  t[0] position=7 paused=False awaiting_reset=False read_offset=3 committed=2 "
        "acked=4 from [4, 5, 6] gaps=1 fetched_waiting=ValueError",
        "  t[1] position=None paused=False awaiting_reset=True read_offset=None "
        "committed=None acked=0 gaps=0 fetched_waiting=None",
    ]


def test_a_consumer_not_started_says_so_instead_of_failing() -> None:
    app = SimpleNamespace(consumer=SimpleNamespace(_thread=None))

    assert consumer_picture(app).startswith("CONSUMER (not readable: AttributeError(")


def test_short_pictures_come_right_after_the_header_before_the_stacks() -> None:
    picture = stacks(["CONSUMER\n  active: -"])

    assert picture.startswith(f"{HEADER}\nCONSUMER\n  active: -\nTHREAD ")
