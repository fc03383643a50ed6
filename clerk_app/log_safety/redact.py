"""Scrubbing credentials out of log text.

What counts as a credential here, and why:

* session tokens: any JWT-looking string (``eyJ…``.``…``.``…``). Clerk's session JWTs
  are bearer tokens for 60 s; a log line is read much later, but log files get copied,
  and the emulator's tokens live longer in tests;
* Clerk's cookies (``__session``, ``__clerk_db_jwt``, ``__client``, ``__client_uat``,
  ``__refresh``, with their ``_<suffix>`` variants) and whole ``Cookie`` /
  ``Set-Cookie`` / ``Authorization`` header values, in the shapes they take in logs
  (``name: value``, ``'name': 'value'``, ``"name": "value"``, ``name=value``);
* ``Bearer …`` anywhere;
* the Backend API secret key (``sk_test_…`` / ``sk_live_…``) and the webhook signing
  secret (``whsec_…``), plus any literal registered with :func:`add_secret`;
* the Reflex client token (the ``token`` of the websocket URL and of ``router_data``):
  whoever presents it reconnects to that tab's backend state, verified identity
  included, so it is a session credential too;
* emulator session ids (``sess_…``): in local mode the sid alone mints tokens;
* PEM private keys, and ``secret`` / ``password`` / ``api_key`` style key-value pairs.

Each match is replaced by a short ``<redacted:kind>`` marker (no brackets that rich
markup would parse) that keeps enough of the context to debug with.
"""

from __future__ import annotations

import re
import threading

REDACTED = "<redacted>"

_Q = r"""["']?"""  # an optional quote around a key or a value
# `: `, `=`, `': '`, `"="`, and `', b'` (ASGI header tuples: `(b'cookie', b'…')`).
_SEP = r"""(?:["']?\s*[:=]\s*["']?|["'],\s*b?["'])"""

# Order matters: whole header values first, then the credentials they may contain.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        "<redacted:private-key>",
    ),
    # Header values up to the closing quote or the end of the line.
    (
        re.compile(rf"(?i)(\b(?:proxy-)?authorization{_SEP})[^\"'\r\n]*"),
        r"\1<redacted:authorization>",
    ),
    (re.compile(rf"(?i)(\b(?:set-)?cookie{_SEP})[^\"'\r\n]*"), r"\1<redacted:cookie>"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer <redacted>"),
    # Clerk cookies wherever they appear (a Cookie header split differently, a URL …).
    (
        re.compile(
            r"(__(?:session|clerk_db_jwt|client_uat|client|refresh)(?:_[\w-]+)?=)[^;,\s\"']+"
        ),
        r"\1<redacted>",
    ),
    (re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*)?"), "<redacted:jwt>"),
    (re.compile(r"\b((?:sk|rk)_(?:test|live)_)[A-Za-z0-9]+"), r"\1<redacted>"),
    (re.compile(r"\b(whsec_)[A-Za-z0-9+/=_-]+"), r"\1<redacted>"),
    (re.compile(r"\b(sess_)[A-Za-z0-9]+"), r"\1<redacted>"),
    # The Reflex client token: `token=…` in a URL, `'token': '…'` in router data, and
    # `client '<uuid>'` in Reflex's own delta warnings.
    (re.compile(rf"(?i)(\b(?:client_)?token{_SEP})[^\"'\s&,;}})]+"), r"\1<redacted>"),
    (re.compile(r"(?i)(\bclient\s+')[0-9a-f-]{32,36}'"), r"\1<redacted>'"),
    (
        re.compile(
            rf"(?i)(\b(?:[a-z_]*secret[a-z_]*|passw(?:or)?d|api[_-]?key|private[_-]?key){_SEP})"
            r"[^\"'\s,;&}]+"
        ),
        r"\1<redacted>",
    ),
)

# A cheap pre-check: text without any of these cannot match a rule above.
_TRIGGERS = re.compile(
    r"(?i)eyJ|authorization|cookie|bearer|__session|__clerk|__client|__refresh|sk_|rk_"
    r"|whsec_|sess_|token|client\s+'|secret|passw|api.?key|private"
)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
#: Registered literals shorter than this are ignored (they would redact ordinary words).
MIN_SECRET_LENGTH = 8


def add_secret(value: str | None) -> None:
    """Redact this exact string wherever it appears from now on (settings secrets …)."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(value)


def clear_secrets() -> None:
    """Forget every registered literal (tests)."""
    with _secrets_lock:
        _secrets.clear()


def redact(text: str) -> str:
    """``text`` with every credential replaced by a ``<redacted…>`` marker."""
    for secret in tuple(_secrets):
        if secret in text:
            text = text.replace(secret, "<redacted:secret>")
    if not _TRIGGERS.search(text):
        return text
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def truncate(text: str, limit: int, *, keep_tail: int = 0) -> str:
    """``text`` cut to about ``limit`` characters, keeping ``keep_tail`` of its end."""
    if len(text) <= limit:
        return text
    head = max(0, limit - keep_tail)
    elided = len(text) - head - keep_tail
    tail = text[len(text) - keep_tail :] if keep_tail else ""
    return f"{text[:head]} …<{elided} characters elided>… {tail}"
