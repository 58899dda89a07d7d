from pathlib import Path

import pytest

from solidarity.config import Settings, load_settings
from solidarity.errors import ConfigurationError

GOOD_SECRET = "x" * 40


def test_settings_read_prefixed_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLIDARITY_PORT", "8123")
    monkeypatch.setenv("SOLIDARITY_DATA_DIR", "/srv/solidarity")
    settings = load_settings()
    assert settings.port == 8123
    assert settings.effective_database_url == "sqlite:////srv/solidarity/solidarity.db"


def test_bad_value_names_the_variable_and_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLIDARITY_PORT", "99999")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert "SOLIDARITY_PORT has value '99999'" in caught.value.message


def test_unknown_environment_is_refused_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLIDARITY_ENVIRONMENT", "staging")
    with pytest.raises(ConfigurationError, match="SOLIDARITY_ENVIRONMENT has value 'staging'"):
        load_settings()


@pytest.mark.parametrize("secret", ["change-me", "development-only-secret", "short"])
def test_placeholder_secret_is_refused_in_production(secret: str) -> None:
    with pytest.raises(ConfigurationError, match="SOLIDARITY_SECRET_KEY"):
        load_settings(environment="production", secret_key=secret)


def test_placeholder_secret_is_accepted_in_development() -> None:
    assert load_settings(environment="development").environment == "development"


def test_secret_is_hidden_from_repr() -> None:
    settings = load_settings(environment="production", secret_key=GOOD_SECRET)
    assert GOOD_SECRET not in repr(settings)


def test_explicit_database_url_wins_over_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://u@h/db")
    assert settings.effective_database_url == "postgresql+psycopg://u@h/db"
    assert not settings.is_sqlite
