"""A synthetic city-year, generated and replayed into Kafka: generation time and peak memory at
several scales (they should grow linearly), then the replay's events/s per connector kind and for
the whole year, checked against the ground truth.

Run: `make bench-year` (scale 1, a Qingdao-sized year) or
`.venv/bin/python -m tests.benchmarks.replay --scale 0.1`. Prints figures; asserts nothing. Uses
INJURYHUB_BOOTSTRAP_SERVERS, or starts the local broker; writes to fresh prefixed topics.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from injuryhub.replaying import Outcome, Replay
from streams.broker.cluster import LocalCluster
from streams.settings import HubSettings

_GENERATE = (
    "import sys, resource; from pathlib import Path; "
    "from connectors.synthetic.generate import YearOptions, generate; "
    "from injuryhub.wiring import MAPPINGS, load_contracts; "
    "from streams.settings import HubSettings; "
    "generate(Path(sys.argv[1]), YearOptions(2025, 7, float(sys.argv[2])), "
    "load_contracts(HubSettings()).codes, MAPPINGS); "
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)


def _generate(folder: Path, scale: float) -> tuple[float, float, int]:
    """Seconds, peak RSS in MiB and records, in a fresh process so that peaks do not mix."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _GENERATE, str(folder), str(scale)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - began
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    return seconds, int(done.stdout.strip()) / 1024, sum(truth["topics"].values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="the year replayed")
    args = parser.parse_args()
    settings = HubSettings()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        print("generation (one process each):")
        for scale in sorted({args.scale / 4, args.scale / 2, args.scale}):
            seconds, mib, records = _generate(root / f"s{scale}", scale)
            print(
                f"  scale {scale:<6g} {records:>9,} records  {seconds:6.1f} s  peak {mib:6.0f} MiB"
            )
        if not settings.bootstrap_servers:
            LocalCluster(settings).start()
        prefix = f"bench-{uuid.uuid4().hex[:8]}."
        began = time.perf_counter()
        outcomes = Replay(settings, root / f"s{args.scale}", topic_prefix=prefix).run(
            lambda o: None
        )
        seconds = time.perf_counter() - began
    _report(outcomes, seconds, args.scale)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"replay process peak RSS {peak:,.0f} MiB; topics left under prefix {prefix}")


def _report(outcomes: list[Outcome], seconds: float, scale: float) -> None:
    print(f"replay of the scale-{scale:g} year (sequential connectors, one process):")
    kinds: dict[str, list[float]] = {}
    for outcome in outcomes:
        rate = outcome.rate
        print(
            f"  {outcome.mapping:<32} {outcome.kind:<5} {outcome.read:>8,} in "
            f"{outcome.seconds:6.1f} s  {rate:>7,.0f}/s  rejected {outcome.rejected}"
        )
        total = kinds.setdefault(outcome.kind, [0, 0.0])
        total[0] += outcome.read
        total[1] += outcome.seconds
    for kind, (records, spent) in kinds.items():
        print(f"  all {kind:<5} connectors: {records:>9,.0f} records  {records / spent:>7,.0f}/s")
    records = sum(outcome.read for outcome in outcomes)
    ok = all(outcome.reconciles for outcome in outcomes)
    print(f"whole year: {records:,} records in {seconds:.1f} s = {records / seconds:,.0f} events/s"
          f" ({'every connector reconciles' if ok else 'DOES NOT reconcile'})")  # fmt: skip


if __name__ == "__main__":
    main()
