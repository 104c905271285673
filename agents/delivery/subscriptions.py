"""Alert subscriptions: who wants which alerts, and how they are delivered.

A JSON file (``INJURYHUB_SUBSCRIPTIONS_FILE``)::

    {"subscriptions": [
      {"name": "huangdao-safety", "districts": ["370211"], "industries": ["C"],
       "min_severity": "ORANGE", "delivery": {"kind": "webhook", "url": "https://…"}},
      {"name": "city-duty-desk", "rules": ["death", "larger-accident"],
       "delivery": {"kind": "email", "to": ["duty@example.gov.cn"]}},
      {"name": "health-commission", "rules": ["occupational-disease-cluster"],
       "delivery": {"kind": "topic"}}
    ]}

An empty filter matches everything; industries and rules match by prefix (``"C"`` is all of
manufacturing, ``"ears-"`` every EARS method). A webhook's HMAC key is a secret, so it lives in
the settings (``INJURYHUB_WEBHOOK_SECRETS``), not in this file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents.alerting.findings import SEVERITY_RANK

_NAME = r"^[a-z0-9][a-z0-9-]*$"


class TopicDelivery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["topic"]


class WebhookDelivery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["webhook"]
    url: Annotated[str, Field(pattern=r"^https?://")]


class EmailDelivery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["email"]
    to: Annotated[list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]], Field(min_length=1)]


Delivery = Annotated[TopicDelivery | WebhookDelivery | EmailDelivery, Field(discriminator="kind")]


class Subscription(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: Annotated[str, Field(pattern=_NAME)]
    districts: list[str] = []
    industries: list[str] = []
    enterprises: list[str] = []
    rules: list[str] = []
    min_severity: Literal["BLUE", "YELLOW", "ORANGE", "RED"] = "BLUE"
    delivery: Delivery

    def matches(self, alert: dict[str, Any]) -> bool:
        """Whether ``alert`` (a decoded hub.alert) is one this subscriber wants."""
        industry = alert.get("industry") or ""
        return (
            SEVERITY_RANK[alert["severity"]] >= SEVERITY_RANK[self.min_severity]
            and (not self.districts or alert.get("district") in self.districts)
            and (not self.industries or any(industry.startswith(i) for i in self.industries))
            and (not self.enterprises or alert.get("enterprise_id") in self.enterprises)
            and (not self.rules or any(alert["rule"].startswith(r) for r in self.rules))
        )


class Subscriptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    subscriptions: list[Subscription]


class SubscriptionError(ValueError):
    pass


def load_subscriptions(path: Path | None) -> list[Subscription]:
    """The subscriptions in ``path`` (none if ``None``); a clear error naming the file, the
    entry and the field otherwise."""
    if path is None:
        return []
    try:
        loaded = Subscriptions.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except OSError as error:
        raise SubscriptionError(f"subscriptions file {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise SubscriptionError(f"subscriptions file {path}: not JSON ({error})") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise SubscriptionError(f"subscriptions file {path}: {problems}") from None
    names = [s.name for s in loaded.subscriptions]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise SubscriptionError(f"subscriptions file {path}: name(s) used twice: {twice}")
    return loaded.subscriptions


def subscriber_topic(prefix: str, subscription: Subscription) -> str:
    """The Kafka topic a topic subscriber reads its alerts from."""
    return f"{prefix}hub.notify.{subscription.name}"


def missing_secrets(subscriptions: list[Subscription], secrets: dict[str, Any]) -> list[str]:
    return [s.name for s in subscriptions if s.delivery.kind == "webhook" and s.name not in secrets]
