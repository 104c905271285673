"""乱码: garbled text is caught and said what it should read; genuine Chinese text never is."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml

from connectors.mojibake import mojibake_problem
from connectors.synthetic.registry import make_registry
from tests.support import REPO_ROOT


def test_utf8_read_as_gbk_is_named_with_what_it_should_read() -> None:
    garbled = "物体打击".encode().decode("gb18030")
    assert garbled == "鐗╀綋鎵撳嚮"
    problem = mojibake_problem(garbled)
    assert problem is not None and "UTF-8 text read as GBK" in problem and "'物体打击'" in problem


def test_gbk_read_as_latin1_is_caught() -> None:
    garbled = "高处坠落".encode("gb18030").decode("latin-1")
    problem = mojibake_problem(garbled)
    assert problem is not None and "'高处坠落'" in problem


@pytest.mark.parametrize("text", ["锟斤拷锟斤拷", "高处\ufffd落"])
def test_characters_already_lost_are_caught(text: str) -> None:
    assert "characters were lost" in (mojibake_problem(text) or "")


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in [*value.keys(), *value.values()] for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_no_genuine_text_of_the_hub_looks_garbled() -> None:
    """Every code list name, every mapping's column and spelling, and generated names."""
    texts = [
        s
        for path in sorted((REPO_ROOT / "schemas" / "codes").glob("*.json"))
        for s in _strings(json.loads(path.read_text(encoding="utf-8")))
    ]
    mappings = Path(REPO_ROOT / "connectors" / "mappings")
    texts += [
        s
        for path in sorted(mappings.glob("*.yaml"))
        for s in _strings(yaml.safe_load(path.read_text()))
    ]
    texts += [e.name for e in make_registry(random.Random(3), 2_000, 2025)]
    assert len(texts) > 2_500
    assert [t for t in texts if mojibake_problem(t)] == []
