"""The evaluation's inputs read from the thematic database (专题库, DuckDB): its tables are the
dashboards' contract with the hub (one per event type, named section.event_type)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb
import pandas as pd

from dashboards.evaluation.panel import city_weeks, enterprise_months

INSURED = "insurance.hrss_insured_headcount"
INJURIES = "insurance.health_injury_treatment"
TRAINING = "training.hrss_training_completion"
FUNDS = "funds.finance_fund_disbursement"
ENTERPRISES = "hub.reference_enterprise"


def _moments(connection: duckdb.DuckDBPyConnection, table: str,
             column: str = "enterprise_id") -> list[tuple[str, datetime]]:  # fmt: skip
    rows = connection.execute(
        f"SELECT {column}, epoch_ms(occurred_at) FROM {table} "  # noqa: S608 (constants)
        f"WHERE {column} IS NOT NULL"
    ).fetchall()
    return [(e, datetime.fromtimestamp(ms / 1000, UTC)) for e, ms in rows]


def _headcounts(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str, date, int]]:
    return [
        (e, industry, month, count)
        for e, industry, month, count in connection.execute(
            f"SELECT h.enterprise_id, coalesce(r.industry, ''), h.month, h.insured_count "  # noqa: S608
            f"FROM {INSURED} h LEFT JOIN {ENTERPRISES} r ON r.uscc = h.enterprise_id"
        ).fetchall()
    ]


@dataclass(frozen=True)
class EvaluationRows:
    """What the evaluation reads from the database, read once for the panel and the weeks."""

    headcounts: list[tuple[str, str, date, int]]
    injuries: list[tuple[str, datetime]]
    trainings: list[tuple[str, datetime]]
    fundings: list[tuple[str, datetime]]

    @classmethod
    def read(cls, connection: duckdb.DuckDBPyConnection) -> EvaluationRows:
        return cls(
            _headcounts(connection),
            _moments(connection, INJURIES),
            _moments(connection, TRAINING),
            _moments(connection, FUNDS, "payee_uscc"),
        )

    def panel(self) -> pd.DataFrame:
        """The enterprise × month panel (dashboards/evaluation/panel.enterprise_months)."""
        return enterprise_months(self.headcounts, self.injuries, self.trainings, self.fundings)

    def weeks(self) -> pd.DataFrame:
        """The city's weekly injuries and insured headcount (panel.city_weeks)."""
        return city_weeks(self.headcounts, self.injuries)


def panel_from_thematic(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return EvaluationRows.read(connection).panel()


def weeks_from_thematic(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return EvaluationRows.read(connection).weeks()
