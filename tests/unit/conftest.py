"""Fixtures of the unit tests (no broker)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import faust
import pytest

from tests.faust_context import hub_app as make_hub_app


@pytest.fixture
async def hub_app(tmp_path: Path) -> AsyncIterator[faust.App]:
    """A Faust app for agents in its test context, on memory stores."""
    async for app in make_hub_app(tmp_path):
        yield app
