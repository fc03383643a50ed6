"""Structured production logs: the JSON line format, when it applies, and that it is safe."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from clerk_app import log_safety, logging_setup
from clerk_app.logging_setup import JsonFormatter, wants_json


def record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("clerk_app.test", logging.WARNING, __file__, 10, msg, args, None)
    rec.__dict__.update(extra)
    return rec


def test_json_line_has_reflex_field_names():
    line = JsonFormatter().format(record("user %s synced", "user_123"))
    payload = json.loads(line)
    assert payload["level"] == "warning"
    assert payload["logger"] == "clerk_app.test"
    assert payload["message"] == "user user_123 synced"
    assert isinstance(payload["pid"], int)
    assert payload["timestamp"].endswith("Z")
    assert "\n" not in line


def test_extra_fields_and_exceptions_are_kept():
    try:
        raise ValueError("boom")
    except ValueError:
        rec = record("failed", outcome="created")
        rec.exc_info = sys.exc_info()
    payload = json.loads(JsonFormatter().format(rec))
    assert payload["outcome"] == "created"
    assert "ValueError: boom" in payload["exception"]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, False),
        ({"REFLEX_ENV_MODE": "dev"}, False),
        ({"REFLEX_ENV_MODE": "prod"}, True),
        ({"REFLEX_ENV_MODE": "prod", "CLERK_APP_LOG_FORMAT": "text"}, False),
        ({"CLERK_APP_LOG_FORMAT": "json"}, True),
        ({"CLERK_APP_LOG_FORMAT": " JSON "}, True),
    ],
)
def test_json_in_production_or_when_asked(env, expected):
    assert wants_json(env) is expected


def test_configure_is_idempotent_and_redacts(monkeypatch):
    monkeypatch.setattr("clerk_app.logging_setup._reflex_json", lambda: None)
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        handler = logging_setup.configure(force=True)
        assert handler is not None
        assert logging_setup.configure(force=True) is handler
        assert [h for h in root.handlers if h not in before] == [handler]
        assert log_safety.installed_filter() in handler.filters

        stream = io.StringIO()
        handler.setStream(stream)
        secret = "sk_test_" + "q" * 40
        log_safety.add_secret(secret)
        logging.getLogger("clerk_app.test").warning("calling Clerk with %s", secret)
        line = stream.getvalue().strip().splitlines()[-1]
        assert secret not in line
        assert json.loads(line)["logger"] == "clerk_app.test"
    finally:
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
        root.setLevel(level)


def test_development_leaves_logging_alone():
    assert logging_setup.configure(force=False) is None
