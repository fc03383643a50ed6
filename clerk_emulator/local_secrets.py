"""The local instance's secrets, generated once and kept in the data directory.

``secrets.json`` holds the Backend API secret key (``sk_test_…``), the webhook
signing secret (``whsec_<base64>``, the format Svix issues) and the instance
id. The app in local mode reads the same file through
:func:`load_local_secrets`, so its ClerkAPI client and webhook verifier agree
with the emulator without anyone copying secrets around.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from .ids import new_id, random_base62
from .persist import create_once, ensure_private_dir

SECRETS_FILE = "secrets.json"


@dataclass(frozen=True)
class LocalSecrets:
    secret_key: str
    webhook_secret: str
    instance_id: str


def generate_secret_key() -> str:
    return f"sk_test_{random_base62(40)}"


def generate_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


def generate_secrets() -> LocalSecrets:
    return LocalSecrets(generate_secret_key(), generate_webhook_secret(), new_id("ins"))


def read_or_create_secrets(data_dir: Path | None) -> LocalSecrets:
    """The persisted secrets of ``data_dir`` (created on first use); fresh ones when None."""
    fresh = generate_secrets()
    if data_dir is None:
        return fresh
    ensure_private_dir(Path(data_dir))
    doc = create_once(
        Path(data_dir) / SECRETS_FILE,
        {
            "secret_key": fresh.secret_key,
            "webhook_secret": fresh.webhook_secret,
            "instance_id": fresh.instance_id,
        },
    )
    return LocalSecrets(doc["secret_key"], doc["webhook_secret"], doc["instance_id"])


def load_local_secrets(data_dir: Path) -> tuple[str, str]:
    """``(secret_key, webhook_secret)`` of the local emulator whose state lives in ``data_dir``.

    Creates them on first use; every later call, in any process, returns the same pair.
    """
    found = read_or_create_secrets(Path(data_dir))
    return found.secret_key, found.webhook_secret
