"""HTTP push: a department system POSTs its native records; the hub answers with the accepted
event ids, or 422 with the reasons per record. Each department has its own bearer token and may
push only to its own mappings. Refused records also go to the department's dead-letter topic.
A request re-sent with the same ``request_id`` is answered from the first time, not published
twice."""

from __future__ import annotations

import hmac
import json
import threading
import uuid
from typing import Any

from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from kafka.errors import KafkaError
from pydantic import BaseModel, Field, SecretStr

from connectors.checkpoints import Checkpoint
from connectors.pipeline import Connector
from connectors.sources.base import SourceRecord

MAX_RECORDS = 5000


class PushRequest(BaseModel):
    request_id: str = Field(default_factory=lambda: uuid.uuid4().hex, max_length=100)
    records: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_RECORDS)


def create_push_app(connectors: dict[str, Connector], tokens: dict[str, SecretStr]) -> FastAPI:
    """``connectors``: mapping name -> connector (each with its own transactional producer)."""
    app = FastAPI(title="injury-hub push", docs_url=None, redoc_url=None)
    locks = {name: threading.Lock() for name in connectors}  # one transaction at a time each

    @app.post("/v1/{mapping}")
    def push(
        mapping: str, request: PushRequest, authorization: str = Header(default="")
    ) -> JSONResponse:
        connector = connectors.get(mapping)
        if connector is None:
            raise HTTPException(404, f"no connector for {mapping!r}; known: {sorted(connectors)}")
        department = connector.mapping.spec.department
        if not _token_matches(authorization, tokens.get(department)):
            raise HTTPException(401, f"a valid bearer token of department {department} is needed")
        records = [
            SourceRecord(
                source=f"http:{request.request_id}",
                position=f"request {request.request_id} #{index}",
                sequence=index,
                fields=fields,
                raw=json.dumps(fields, ensure_ascii=False, default=str),
            )
            for index, fields in enumerate(request.records)
        ]
        try:
            with locks[mapping]:
                outcomes = connector.publish_batch(request.request_id, records)
        except KafkaError as error:
            raise HTTPException(
                503,
                f"the hub could not reach Kafka ({type(error).__name__}); nothing of this "
                "request was published: send it again",
            ) from error
        if isinstance(outcomes, Checkpoint):
            return _already_done(request.request_id, outcomes)
        accepted = [
            {"index": i, "event_id": o["envelope"]["event_id"]}
            for i, o in enumerate(outcomes)
            if isinstance(o, dict)
        ]
        rejected = [
            {"index": i, "reasons": o} for i, o in enumerate(outcomes) if not isinstance(o, dict)
        ]
        body = {"request_id": request.request_id, "accepted": accepted, "rejected": rejected}
        return JSONResponse(body, status_code=422 if rejected else 200)

    return app


def _already_done(request_id: str, earlier: Checkpoint) -> JSONResponse:
    """The answer to a re-sent request: nothing published again, the earlier counts."""
    body = {
        "request_id": request_id,
        "already_processed": True,
        "accepted_count": earlier.published,
        "rejected_count": earlier.rejected,
    }
    return JSONResponse(body, status_code=422 if earlier.rejected else 200)


def _token_matches(header: str, expected: SecretStr | None) -> bool:
    scheme, _, token = header.partition(" ")
    if expected is None or scheme.lower() != "bearer" or not token:
        return False
    return hmac.compare_digest(token.encode(), expected.get_secret_value().encode())
