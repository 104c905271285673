from agents.rebalance_watch import RebalanceWatch


def test_the_stacks_are_reported_once_per_period_of_one_long_rebalance() -> None:
    now, rebalancing = [0.0], [False]
    watch = RebalanceWatch(lambda: rebalancing[0], lambda: "agent-x at line 7",
                           clock=lambda: now[0], stuck_after_s=60)  # fmt: skip
    assert watch.look() is None
    rebalancing[0] = True
    reports = []
    for second in range(0, 150, 5):
        now[0] = 100.0 + second
        reports.append((second, watch.look()))
    said = [(second, text) for second, text in reports if text is not None]
    assert [second for second, _ in said] == [60, 120]
    assert "waited 60 s" in said[0][1] and "agent-x at line 7" in said[0][1]
    assert "waited 120 s" in said[1][1]


def test_a_new_rebalance_starts_its_own_count() -> None:
    now, rebalancing = [0.0], [True]
    watch = RebalanceWatch(lambda: rebalancing[0], lambda: "", clock=lambda: now[0],
                           stuck_after_s=60)  # fmt: skip
    watch.look()
    now[0] = 50.0
    rebalancing[0] = False
    assert watch.look() is None
    rebalancing[0] = True
    now[0] = 100.0
    assert watch.look() is None  # 0 s into the second rebalance, not 100 s into the first
    now[0] = 159.0
    assert watch.look() is None
    now[0] = 160.0
    assert watch.look() is not None
