"""Structured logs in production: one JSON object per line, from every logger.

:func:`configure` runs once when the app module loads (every backend process and each
granian worker imports it). In production (``REFLEX_ENV_MODE=prod``), or whenever
``CLERK_APP_LOG_FORMAT=json``, it:

* puts one :class:`JsonFormatter` handler on the root logger, so the app's own loggers
  (``clerk_app.*``), SQLAlchemy, httpx … write JSON lines to stderr, at
  ``CLERK_APP_LOG_LEVEL`` (default ``INFO``);
* switches Reflex's own log pipeline to its JSON sink (the ``--json`` mode of the CLI),
  which also covers granian's records when the app is preloaded before the workers fork.

The fields are the ones Reflex's JSON records use (``timestamp``, ``level``, ``logger``,
``message``, ``pid``, and ``exception`` when there is one), so ``reflex run --json``
passes our lines through untouched and a log shipper sees one schema. The worker's
``pid`` is in every line: with several workers it tells which one handled what.

Redaction and rate limiting are :mod:`clerk_app.log_safety`'s job; its filter is put on
this handler too, so nothing this module emits bypasses it. In development nothing
changes: Reflex's coloured console stays as it is.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import sys
from typing import Any

#: Marks our handler so a second call (reload, tests) does not add another.
_HANDLER_NAME = "clerk_app.json"

# LogRecord attributes that are not "extra" fields passed by the caller.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """A record as one JSON line with Reflex's field names (plus any ``extra`` fields)."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "timestamp": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in payload:
                payload[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            payload["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            payload["exception"] = record.exc_text
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


def wants_json(env: dict[str, str] | None = None) -> bool:
    """Production, or ``CLERK_APP_LOG_FORMAT=json`` explicitly (``text`` turns it off)."""
    env = os.environ if env is None else env
    chosen = env.get("CLERK_APP_LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "text"):
        return chosen == "json"
    return env.get("REFLEX_ENV_MODE", "").strip().lower() == "prod"


def configure(*, force: bool | None = None) -> logging.Handler | None:
    """Install the JSON handler when :func:`wants_json` (or ``force``); idempotent.

    Returns the handler, or ``None`` when logs stay as they are (development).
    """
    if not (wants_json() if force is None else force):
        return None
    root = logging.getLogger()
    for handler in root.handlers:
        if handler.get_name() == _HANDLER_NAME:
            return handler
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    from clerk_app import log_safety

    handler.addFilter(log_safety.install())
    root.addHandler(handler)
    level = os.environ.get("CLERK_APP_LOG_LEVEL", "INFO").strip().upper()
    root.setLevel(level if level in logging.getLevelNamesMapping() else logging.INFO)
    _reflex_json()
    return handler


def _reflex_json() -> None:
    """Reflex's records (and granian's, configured from the same switch) as JSON too."""
    try:
        from reflex_base.utils import log as reflex_log
    except ImportError:  # pragma: no cover - Reflex is a hard dependency of the app
        return
    if not reflex_log.is_json_mode():
        reflex_log.set_json_mode(True)
