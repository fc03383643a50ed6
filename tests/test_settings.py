"""Settings: the mode follows the keys, and every unrunnable configuration is refused clearly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from clerk_app.local_data import DEFAULT_DB_URL
from clerk_app.settings import (
    SettingsError,
    frontend_api_host,
    load_settings,
    publishable_key_for,
)

PK_TEST = publishable_key_for("clerk.example.test")
PK_LIVE = publishable_key_for("clerk.example.com", live=True)

CLERK_VARS = (
    "CLERK_PUBLISHABLE_KEY",
    "CLERK_SECRET_KEY",
    "CLERK_WEBHOOK_SIGNING_SECRET",
    "CLERK_AUTHORIZED_PARTIES",
    "CLERK_API_URL",
    "CLERK_JWKS_URL",
    "CLERK_ISSUER",
    "REFLEX_DB_URL",
    "REFLEX_ENV_MODE",
    "REFLEX_DEPLOY_URL",
    "REFLEX_API_URL",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in CLERK_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_no_keys_is_local_mode_on_sqlite():
    settings = load_settings()
    assert settings.mode == "local"
    assert settings.db_url.startswith("sqlite:///")
    assert settings.issuer == settings.emulator_url
    assert settings.api_url == settings.emulator_url
    assert settings.jwks_url == settings.emulator_url + "/.well-known/jwks.json"


def test_both_keys_is_clerk_mode_with_derived_urls():
    settings = load_settings(clerk_publishable_key=PK_TEST, clerk_secret_key="sk_test_abc")
    assert settings.mode == "clerk"
    assert settings.issuer == "https://clerk.example.test"
    assert settings.jwks_url == "https://clerk.example.test/.well-known/jwks.json"
    assert settings.api_url == "https://api.clerk.com"


def test_environment_variables_are_read(monkeypatch):
    monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", PK_LIVE)
    monkeypatch.setenv("CLERK_SECRET_KEY", "sk_live_abc")
    monkeypatch.setenv("CLERK_AUTHORIZED_PARTIES", "https://a.example, https://b.example/")
    monkeypatch.setenv("CLERK_JWKS_URL", "https://jwks.example/keys")
    monkeypatch.setenv("REFLEX_DB_URL", "postgresql://u@h/db")
    settings = load_settings()
    assert settings.mode == "clerk"
    assert settings.authorized_parties == ["https://a.example", "https://b.example"]
    assert settings.jwks_url == "https://jwks.example/keys"
    assert settings.db_url == "postgresql://u@h/db"
    assert settings.clerk_secret_key.get_secret_value() == "sk_live_abc"


def test_authorized_parties_default_to_the_frontend_origin():
    settings = load_settings(frontend_url="https://app.example/")
    assert settings.authorized_parties == ["https://app.example"]


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text(f"CLERK_PUBLISHABLE_KEY={PK_TEST}\nCLERK_SECRET_KEY=sk_test_1\n")
    assert load_settings().mode == "clerk"


def test_secrets_are_not_in_the_repr():
    settings = load_settings(
        clerk_publishable_key=PK_TEST,
        clerk_secret_key="sk_test_topsecret",
        clerk_webhook_signing_secret="whsec_topsecret",
    )
    assert "topsecret" not in repr(settings)
    assert "topsecret" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"clerk_publishable_key": PK_TEST}, "CLERK_SECRET_KEY is not"),
        ({"clerk_secret_key": "sk_test_1"}, "CLERK_PUBLISHABLE_KEY is not"),
        ({"env_mode": "prod"}, "Production mode needs Clerk keys"),
        ({"clerk_publishable_key": "pk_test_@@@", "clerk_secret_key": "sk_test_1"}, "malformed"),
        ({"clerk_publishable_key": "pk_prod_abc", "clerk_secret_key": "sk_test_1"}, "malformed"),
        (
            {"clerk_publishable_key": "pk_test_" + "aGVsbG8=", "clerk_secret_key": "sk_test_1"},
            "does not encode a Frontend API host",
        ),
        (
            {
                "clerk_publishable_key": publishable_key_for("localhost:8000"),
                "clerk_secret_key": "sk_test_1",
            },
            "'localhost:8000'\\) has no dot",
        ),
        (
            {
                "clerk_publishable_key": publishable_key_for("clerk"),
                "clerk_secret_key": "sk_test_1",
            },
            "has no dot",
        ),
        (
            {"clerk_publishable_key": PK_TEST, "clerk_secret_key": "nope"},
            "CLERK_SECRET_KEY is malformed",
        ),
        ({"clerk_publishable_key": PK_TEST, "clerk_secret_key": "sk_live_1"}, "test key"),
        ({"clerk_publishable_key": PK_LIVE, "clerk_secret_key": "sk_test_1"}, "test key"),
        ({"env_mode": "staging"}, "ENV_MODE"),
    ],
)
def test_unrunnable_configurations_are_refused(overrides, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(**overrides)


def test_production_with_keys_is_allowed():
    settings = load_settings(
        env_mode="prod", clerk_publishable_key=PK_LIVE, clerk_secret_key="sk_live_1"
    )
    assert settings.is_production and settings.mode == "clerk"


def test_frontend_api_host_round_trip():
    assert (
        frontend_api_host(publishable_key_for("clerk.my-app.dev:8443")) == "clerk.my-app.dev:8443"
    )
    assert frontend_api_host(publishable_key_for("x.example", live=True)) == "x.example"


def test_refusal_is_one_clear_line_not_a_traceback(tmp_path):
    """Starting with a bad configuration prints one message and exits non-zero."""
    repo = Path(__file__).resolve().parents[1]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(repo), "CLERK_PUBLISHABLE_KEY": PK_TEST}
    result = subprocess.run(
        [sys.executable, "-m", "clerk_app.check_config"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "CLERK_SECRET_KEY is not" in result.stderr


def test_blank_values_from_a_copied_env_example_mean_defaults(tmp_path):
    (tmp_path / ".env").write_text("CLERK_PUBLISHABLE_KEY=\nCLERK_API_URL=\nREFLEX_DB_URL=\n")
    settings = load_settings()
    assert settings.mode == "local"
    assert settings.clerk_api_url == "https://api.clerk.com"
    assert settings.db_url == DEFAULT_DB_URL == "sqlite:///.data/reflex.db"


def test_authorized_parties_unset_in_clerk_mode_is_a_warning():
    settings = load_settings(
        clerk_publishable_key=PK_TEST, clerk_secret_key="sk_test_1", frontend_url="https://app.ex"
    )
    (warning,) = settings.configuration_warnings()
    assert "CLERK_AUTHORIZED_PARTIES is not set" in warning
    assert "https://app.ex" in warning  # says what is accepted instead
    configured = load_settings(
        clerk_publishable_key=PK_TEST,
        clerk_secret_key="sk_test_1",
        clerk_authorized_parties="https://app.ex",
    )
    assert configured.configuration_warnings() == []
    assert load_settings().configuration_warnings() == []  # local mode: the emulator's own
