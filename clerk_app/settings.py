"""One typed settings object, read from the environment and an optional `.env`.

The app runs in one of two modes:

* ``clerk``: both Clerk keys are set; tokens are verified against the Clerk
  instance the publishable key names.
* ``local``: no Clerk key is set and the app is not in production; the local
  Clerk emulator stands in for Clerk's servers.

Anything else (production without keys, one key of two, a malformed
publishable key, a test key paired with a live key) is a configuration error:
:func:`load_settings` raises :class:`SettingsError` with one clear message, and
the app refuses to start.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from clerk_app.local_data import DEFAULT_DB_URL, DEFAULT_EMULATOR_DIR

Mode = Literal["clerk", "local"]

_PK_RE = re.compile(r"^pk_(test|live)_([A-Za-z0-9+/=_-]+)$")
_HOST_RE = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")

#: Where the emulator is mounted on the Reflex backend in local mode.
EMULATOR_PATH = "/_clerk"


class SettingsError(RuntimeError):
    """The configuration cannot run; the message says what to fix."""


def frontend_api_host(publishable_key: str) -> str:
    """The Frontend API host a publishable key encodes (``pk_test_<b64(host$)>``).

    Raises:
        SettingsError: the key is not a well-formed Clerk publishable key.
    """
    match = _PK_RE.match(publishable_key.strip())
    if not match:
        raise SettingsError("CLERK_PUBLISHABLE_KEY is malformed: expected pk_test_… or pk_live_…")
    encoded = match.group(2)
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=False)
        text = decoded.decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise SettingsError("CLERK_PUBLISHABLE_KEY is malformed: not base64") from None
    if not text.endswith("$") or not _HOST_RE.match(text[:-1]):
        raise SettingsError(
            "CLERK_PUBLISHABLE_KEY is malformed: it does not encode a Frontend API host"
        )
    host = text[:-1]
    if "." not in host:  # Clerk's own parser refuses such a key too
        raise SettingsError(
            f"CLERK_PUBLISHABLE_KEY is malformed: the Frontend API host it encodes ({host!r}) "
            "has no dot; copy the key again from the Clerk Dashboard (API keys)"
        )
    return host


def publishable_key_for(host: str, *, live: bool = False) -> str:
    """The publishable key Clerk would issue for a Frontend API host."""
    encoded = base64.b64encode(f"{host}$".encode()).decode()
    return f"pk_{'live' if live else 'test'}_{encoded}"


def _reflex_url(attribute: str, fallback: str) -> str:
    """``api_url`` / ``deploy_url`` the way Reflex derives them when they are not set.

    ``reflex run --backend-port Y --frontend-port X`` passes the ports to the backend
    process as ``REFLEX_BACKEND_PORT`` / ``REFLEX_FRONTEND_PORT``, and Reflex rebuilds
    ``http://localhost:<port>`` from them. Reading the same variables here (rather than
    calling ``reflex.config.get_config()``, which imports ``rxconfig.py``, which builds
    these settings) keeps the two in agreement without an import cycle.
    """
    port_var = "REFLEX_BACKEND_PORT" if attribute == "api_url" else "REFLEX_FRONTEND_PORT"
    port = os.environ.get(port_var, "").strip()
    if port.isdigit():
        return f"http://localhost:{int(port)}"
    return fallback


class Settings(BaseSettings):
    """Everything the app reads from its environment."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    clerk_publishable_key: str | None = None
    clerk_secret_key: SecretStr | None = None
    clerk_webhook_signing_secret: SecretStr | None = None
    clerk_authorized_parties: Annotated[list[str], NoDecode] = Field(default_factory=list)
    clerk_api_url: str = "https://api.clerk.com"
    clerk_jwks_url: str | None = None
    #: Overrides the expected ``iss``; by default the Frontend API URL.
    clerk_issuer: str | None = None

    #: Default: a SQLite file in the git-ignored data folder (see clerk_app.local_data).
    db_url: str = Field(DEFAULT_DB_URL, validation_alias=AliasChoices("REFLEX_DB_URL", "db_url"))
    redis_url: str | None = Field(
        None, validation_alias=AliasChoices("REFLEX_REDIS_URL", "redis_url")
    )
    env_mode: Literal["dev", "prod"] = Field(
        "dev", validation_alias=AliasChoices("REFLEX_ENV_MODE", "env_mode")
    )
    #: The browser-facing origins. Unset, they follow Reflex's own config (``deploy_url``,
    #: ``api_url``), so ``reflex run --frontend-port X --backend-port Y`` just works.
    frontend_url: str = Field(
        default_factory=lambda: _reflex_url("deploy_url", "http://localhost:3000"),
        validation_alias=AliasChoices("REFLEX_DEPLOY_URL", "frontend_url"),
    )
    backend_url: str = Field(
        default_factory=lambda: _reflex_url("api_url", "http://localhost:8000"),
        validation_alias=AliasChoices("REFLEX_API_URL", "backend_url"),
    )
    #: Where the local emulator keeps its key pair, secrets and users.
    clerk_emulator_dir: Path = DEFAULT_EMULATOR_DIR

    @field_validator("clerk_authorized_parties", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @field_validator(
        "clerk_publishable_key", "clerk_jwks_url", "clerk_issuer", "redis_url", mode="before"
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("clerk_api_url", "db_url", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object, info) -> object:
        # A copied .env.example leaves these empty: empty means "the default".
        if isinstance(value, str) and not value.strip():
            return cls.model_fields[info.field_name].default
        return value

    @field_validator("clerk_secret_key", "clerk_webhook_signing_secret", mode="before")
    @classmethod
    def _blank_secret_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    # -- derived values -------------------------------------------------------

    @property
    def is_production(self) -> bool:
        return self.env_mode == "prod"

    @property
    def mode(self) -> Mode:
        return "clerk" if self.clerk_publishable_key else "local"

    @property
    def emulator_url(self) -> str:
        """The emulator's base URL in local mode (Backend API and issuer)."""
        return self.backend_url.rstrip("/") + EMULATOR_PATH

    @property
    def frontend_api_url(self) -> str:
        """``https://<frontend api host>`` in clerk mode, the emulator in local mode."""
        if self.mode == "local":
            return self.emulator_url
        return f"https://{frontend_api_host(self.clerk_publishable_key or '')}"

    @property
    def issuer(self) -> str:
        return self.clerk_issuer or self.frontend_api_url

    @property
    def jwks_url(self) -> str:
        if self.clerk_jwks_url:
            return self.clerk_jwks_url
        return self.frontend_api_url + "/.well-known/jwks.json"

    @property
    def api_url(self) -> str:
        """The Backend API base URL (Clerk's, or the emulator's in local mode)."""
        return self.emulator_url if self.mode == "local" else self.clerk_api_url.rstrip("/")

    @property
    def authorized_parties(self) -> list[str]:
        return self.clerk_authorized_parties or [self.frontend_url.rstrip("/")]

    def configuration_warnings(self) -> list[str]:
        """Runnable but risky choices, worth a line at start-up (``check-config``)."""
        found = []
        if self.mode == "clerk" and not self.clerk_authorized_parties:
            found.append(
                "CLERK_AUTHORIZED_PARTIES is not set: session tokens are accepted only when "
                f"their azp is {self.authorized_parties[0]} (the frontend URL); set it to every "
                "origin that serves the frontend, e.g. "
                "CLERK_AUTHORIZED_PARTIES=https://app.example.com,https://www.example.com"
            )
        return found

    def validate_mode(self) -> Settings:
        """Raise :class:`SettingsError` unless the keys describe a runnable mode."""
        pk, sk = self.clerk_publishable_key, self.clerk_secret_key
        if pk and not sk:
            raise SettingsError(
                "CLERK_PUBLISHABLE_KEY is set but CLERK_SECRET_KEY is not: set both, or neither "
                "for local mode"
            )
        if sk and not pk:
            raise SettingsError(
                "CLERK_SECRET_KEY is set but CLERK_PUBLISHABLE_KEY is not: set both, or neither "
                "for local mode"
            )
        if not pk:
            if self.is_production:
                raise SettingsError(
                    "Production mode needs Clerk keys: set CLERK_PUBLISHABLE_KEY and "
                    "CLERK_SECRET_KEY (local mode and the emulator are for development only)"
                )
            return self
        frontend_api_host(pk)
        secret = sk.get_secret_value() if sk else ""
        if not re.match(r"^sk_(test|live)_\S+$", secret):
            raise SettingsError("CLERK_SECRET_KEY is malformed: expected sk_test_… or sk_live_…")
        if pk.startswith("pk_test_") != secret.startswith("sk_test_"):
            raise SettingsError(
                "CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY belong to different instances: "
                "one is a test key and the other a live key"
            )
        return self


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings; raise :class:`SettingsError` on any problem."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]).upper() or "settings"
        raise SettingsError(f"{where}: {first['msg']}") from None
    return settings.validate_mode()


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
