from pathlib import Path

import pytest
from pydantic import ValidationError

from streams.settings import HubSettings


def test_reads_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INJURYHUB_BOOTSTRAP_SERVERS", "10.0.0.1:9092, 10.0.0.2:9092")
    monkeypatch.setenv("INJURYHUB_STATE_DIR", "/tmp/hub-state")
    settings = HubSettings()
    assert settings.bootstrap_list == ["10.0.0.1:9092", "10.0.0.2:9092"]
    assert settings.state_dir == Path("/tmp/hub-state")


def test_bootstrap_defaults_to_local_node_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INJURYHUB_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.setenv("INJURYHUB_BROKER_PORT", "29092")
    assert HubSettings().bootstrap == "127.0.0.1:29092"


def test_settings_are_frozen() -> None:
    settings = HubSettings()
    with pytest.raises(ValidationError):
        settings.broker_port = 1  # type: ignore[misc]


def test_secret_never_shows_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INJURYHUB_PSEUDONYM_KEY", "very-secret-key-123")
    settings = HubSettings()
    assert "very-secret-key-123" not in repr(settings)
    assert "very-secret-key-123" not in str(settings.model_dump())
    assert settings.pseudonym_key.get_secret_value() == "very-secret-key-123"


def test_bad_bootstrap_names_the_field_and_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INJURYHUB_BOOTSTRAP_SERVERS", "localhost")
    with pytest.raises(ValidationError) as caught:
        HubSettings()
    message = str(caught.value)
    assert "bootstrap_servers" in message
    assert "'localhost' is not host:port" in message


def test_port_out_of_range_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INJURYHUB_BROKER_PORT", "80")
    with pytest.raises(ValidationError, match="broker_port"):
        HubSettings()
