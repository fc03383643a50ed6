"""Logs never carry credentials, and a flood of bad events cannot fill the disk.

Three layers: the redaction corpus on its own; the filter inside real ``logging``
pipelines (plain handlers, a handler added after installation, uvicorn's access
formatter, Reflex's own rich console handler that renders ``exc_info`` itself); and
the rate limit under floods. A control test shows the same pipeline leaks without
:func:`install`, so these tests would fail without it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from clerk_app import log_safety
from clerk_app.log_safety import SafeLogFilter, install, redact, uninstall
from clerk_app.log_safety.ratelimit import RateLimiter

JWT = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc18yIn0"
    ".eyJzdWIiOiJ1c2VyXzJhYmMiLCJzaWQiOiJzZXNzXzEifQ"
    ".c2lnbmF0dXJlLWJ5dGVzLWhlcmUtYW5kLW1vcmU"
)
SECRET_KEY = "sk_test_Zr4cK9mQ2xWv7LpT1sNb8YdE3hJf6GuA0oRiXkCz"
LIVE_KEY = "sk_live_9fJ2kL4mN6pQ8rS0tU2vW4xY6zA8bC0dE2"
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CLIENT_TOKEN = "0f3b7c8e-1a2b-4c3d-8e9f-445566778899"
SESSION_ID = "sess_2hZq8Kx1Lw4vN7pQ9rT3"
DB_JWT = "dvb_2hZq8Kx1Lw4vN7pQ9rT3aBcD"
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"

#: (name, text containing a credential, the credential, what must survive).
CORPUS = [
    ("bare jwt", f"verifying {JWT} now", JWT, "verifying"),
    ("jwt in json", f'{{"jwt": "{JWT}", "user": "u1"}}', JWT, '"user": "u1"'),
    ("jwt without signature", f"{JWT.rsplit('.', 1)[0]}.", JWT.split(".")[1], ""),
    ("session cookie", f"__session={JWT}; theme=dark", JWT, "theme"),
    ("suffixed session cookie", f"__session_Abc12={JWT}; a=b", JWT, "a=b"),
    ("db jwt cookie", f"__clerk_db_jwt={DB_JWT}; lang=fr", DB_JWT, "lang"),
    ("client_uat cookie", "__client_uat=1718000000; x=1", "1718000000", "x=1"),
    (
        "cookie header in a headers dict",
        f"{{'host': 'a.test', 'cookie': 'pref=1; __session={JWT}'}}",
        JWT,
        "'host': 'a.test'",
    ),
    ("cookie header, raw", f"Cookie: other=xyz-secret-ish; __session={JWT}\r\n", "xyz", ""),
    (
        "asgi header tuples",
        f"[(b'host', b'a.test'), (b'cookie', b'__session={JWT}')]",
        JWT,
        "b'a.test'",
    ),
    ("authorization dict", f"{{'authorization': 'Bearer {SECRET_KEY}'}}", SECRET_KEY, ""),
    ("authorization raw", "Authorization: Basic dXNlcjpodW50ZXIy\r\n", "dXNlcjpodW50ZXIy", ""),
    ("bearer anywhere", "sent Bearer abc.def-ghi to the API", "abc.def-ghi", "sent"),
    ("secret key", f"ClerkAPI(secret_key={SECRET_KEY!r})", SECRET_KEY[8:], "ClerkAPI"),
    ("live secret key", f"key {LIVE_KEY} loaded", LIVE_KEY[8:], "loaded"),
    ("webhook secret", f"CLERK_WEBHOOK_SIGNING_SECRET={WEBHOOK_SECRET}", WEBHOOK_SECRET[6:], ""),
    ("webhook secret b64", "whsec_ab+/cd==ef", "ab+/cd==ef", ""),
    (
        "websocket url token",
        f"GET /_event/?EIO=4&transport=websocket&token={CLIENT_TOKEN} 101",
        CLIENT_TOKEN,
        "transport=websocket",
    ),
    ("router data token", f"{{'pathname': '/', 'token': '{CLIENT_TOKEN}'}}", CLIENT_TOKEN, "/"),
    (
        "reflex delta warning",
        f"Attempting to send delta to disconnected client '{CLIENT_TOKEN}'",
        CLIENT_TOKEN,
        "disconnected client",
    ),
    ("emulator session path", f"POST /_clerk/emulator/sessions/{SESSION_ID}/tokens", "2hZq8K", ""),
    ("pem key", f"key: {PEM}", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "key"),
    ("password pair", 'login {"password": "hunter2-hunter2"}', "hunter2", "login"),
    ("api key pair", "api_key=abcdef0123456789&x=1", "abcdef0123456789", "x=1"),
]

#: Log text with nothing secret in it: left exactly as it is.
HARMLESS = [
    "GET /api/health 200",
    "reflex___state____state.clerk_app___state___auth____auth_state.set_session",
    "set_session refused: token expired",
    "welcome sync failed: err_clerk_unreachable: Clerk API 503: unavailable",
    "InvalidToken: signature does not match",
    "user_2abcDEF synced (created)",
    "Token cleanup error: boom",
]


@pytest.mark.parametrize(("name", "text", "credential", "kept"), CORPUS, ids=[c[0] for c in CORPUS])
def test_redaction_corpus(name: str, text: str, credential: str, kept: str) -> None:
    clean = redact(text)
    assert credential not in clean
    assert "<redacted" in clean
    assert kept in clean


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_is_untouched(text: str) -> None:
    assert redact(text) == text


def test_registered_literal_secrets_are_redacted() -> None:
    odd = "opaque-credential-without-a-known-shape"
    assert redact(f"x {odd} y") == f"x {odd} y"
    log_safety.add_secret(odd)
    try:
        assert redact(f"x {odd} y") == "x <redacted:secret> y"
    finally:
        log_safety.clear_secrets()


# -- the filter inside real logging pipelines -----------------------------------------------


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger with a stream handler (full format, tracebacks), filter not yet installed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("tests.log_safety.app")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    yield logger, stream
    uninstall()
    logger.handlers[:] = []


@pytest.fixture
def installed() -> Iterator[SafeLogFilter]:
    flt = install(limiter=RateLimiter(burst=1000, global_burst=1000))
    yield flt
    uninstall()


def _reflex_style_failure(logger: logging.Logger) -> None:
    """What Reflex 0.10 does when a handler fails: the traceback and the headers."""
    headers = {"host": "app.test", "cookie": f"__session={JWT}", "authorization": f"Bearer {JWT}"}
    try:
        raise ValueError(f"bad event for router_data={{'headers': {headers}}}")
    except ValueError:
        logger.exception("[Reflex Backend Exception] token=%s", CLIENT_TOKEN)


def test_control_without_the_filter_the_pipeline_leaks(captured) -> None:
    logger, stream = captured
    _reflex_style_failure(logger)
    assert JWT in stream.getvalue()  # what the filter exists to prevent


def test_traceback_and_arguments_are_redacted(captured, installed) -> None:
    logger, stream = captured
    _reflex_style_failure(logger)
    out = stream.getvalue()
    assert JWT not in out and CLIENT_TOKEN not in out
    assert "ValueError: bad event" in out  # the traceback is still there to debug with
    assert "Traceback (most recent call last)" in out


def test_handlers_added_after_install_are_covered(installed) -> None:
    late = io.StringIO()
    child = logging.getLogger("tests.log_safety.app.late")
    child.handlers[:] = [logging.StreamHandler(late)]
    try:
        child.warning("secret key is %s", SECRET_KEY)
        assert SECRET_KEY not in late.getvalue()
        assert "sk_test_<redacted>" in late.getvalue()
    finally:
        child.handlers[:] = []


def test_exc_info_is_not_left_for_handlers_that_render_it_themselves(installed) -> None:
    from reflex_base.utils.log import RichConsoleHandler  # renders record.exc_info itself

    stream = io.StringIO()
    seen: list[logging.LogRecord] = []

    class Spy(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    logger = logging.getLogger("reflex.tests_log_safety")
    rich = RichConsoleHandler()
    logger.addHandler(rich)
    logger.addHandler(Spy())
    try:
        from reflex_base.utils import log as reflex_log

        console = reflex_log._console_stderr
        old_file = console.file
        console.file = stream
        try:
            try:
                raise RuntimeError(f"whsec {WEBHOOK_SECRET} in {JWT}")
            except RuntimeError:
                logger.exception("event failed")
        finally:
            console.file = old_file
    finally:
        logger.handlers[:] = []
    assert seen and seen[0].exc_info is None
    out = stream.getvalue()
    assert "RuntimeError" in out
    assert JWT not in out and WEBHOOK_SECRET not in out


def test_uvicorn_access_formatter_keeps_working(installed) -> None:
    from uvicorn.logging import AccessFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s'))
    logger = logging.getLogger("uvicorn.access")
    old = logger.handlers[:], logger.propagate, logger.level
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        path = f"/_event/?EIO=4&transport=websocket&token={CLIENT_TOKEN}"
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5555", "GET", path, "1.1", 101)
    finally:
        logger.handlers[:], logger.propagate, logger.level = old
    out = stream.getvalue()
    assert CLIENT_TOKEN not in out
    assert "token=<redacted>" in out and " 101" in out and "Logging error" not in out


def test_huge_messages_are_cut(captured, installed) -> None:
    logger, stream = captured
    payload = "A" * 1_000_000
    logger.warning("Failed to deserialize event data: %s", payload)
    logger.warning(f"Failed to deserialize event data: {payload}")
    out = stream.getvalue()
    assert len(out) < 2 * (log_safety.MAX_MESSAGE + 200)
    assert "characters elided" in out


def test_install_is_idempotent_and_uninstall_restores_the_factory() -> None:
    before = logging.getLogRecordFactory()
    first = install()
    assert install() is first
    uninstall()
    assert logging.getLogRecordFactory() is before
    assert not any(isinstance(f, SafeLogFilter) for f in logging.root.filters)


# -- rate limiting ------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_flood_from_one_site_is_bounded_and_counted(captured) -> None:
    logger, stream = captured
    clock = FakeClock()
    flt = install(limiter=RateLimiter(burst=20, per_second=0.5, clock=clock))
    for n in range(10_000):
        clock.now += 0.001  # 10,000 records in 10 s: 5 refills at 0.5/s
        logger.error(f"[Reflex Backend Exception] event {n} failed: {JWT}")
    flt.flush()
    lines = [line for line in stream.getvalue().splitlines() if line]
    summaries = [line for line in lines if "similar messages suppressed from" in line]
    records = [line for line in lines if line not in summaries]
    assert 20 <= len(records) <= 26
    assert len(summaries) == 1
    reported = int(summaries[0].split("log_safety: ")[1].split()[0])
    inline = sum(
        int(line.split("[log_safety: ")[1].split()[0]) for line in records if "[log_safety:" in line
    )
    assert len(records) + reported + inline == 10_000
    assert JWT not in stream.getvalue()


def test_suppressed_count_rides_on_the_next_record_after_a_quiet_spell(captured) -> None:
    logger, stream = captured
    clock = FakeClock()
    install(limiter=RateLimiter(burst=2, per_second=0.1, clock=clock))

    def again() -> None:  # one call site
        logger.warning("same thing again")

    for _ in range(7):
        again()
    clock.now += 10.0  # one token back
    again()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[-1].endswith("[log_safety: 5 similar messages suppressed before this one]")


def test_periodic_summary_without_further_records_from_the_site(captured) -> None:
    logger, stream = captured
    clock = FakeClock()
    install(limiter=RateLimiter(burst=1, per_second=0.001, summary_interval_s=60, clock=clock))
    for _ in range(50):
        logger.warning("noisy")
    clock.now += 61
    logger.info("something else entirely")  # any record lets due summaries out
    out = stream.getvalue()
    assert "log_safety: 49 similar messages suppressed from tests.log_safety.app" in out


def test_sites_are_separate_and_the_global_bucket_caps_them_all(captured) -> None:
    logger, stream = captured
    clock = FakeClock()
    install(
        limiter=RateLimiter(
            burst=5, per_second=0, global_burst=12, global_per_second=0, clock=clock
        )
    )
    for _ in range(10):
        logger.warning("site A")
        logger.warning("site B")
        logger.warning("site C")
    lines = stream.getvalue().splitlines()
    assert [sum(f"site {x}" in line for line in lines) for x in "ABC"] == [4, 4, 4]


def test_huge_flood_bytes_are_bounded(captured) -> None:
    logger, stream = captured
    install(limiter=RateLimiter(burst=10, per_second=0, clock=FakeClock()))
    big = "x" * 100_000
    for _ in range(1000):
        logger.error("Failed to deserialize event data: %s", big)  # 100 MB if unbounded
    assert len(stream.getvalue()) < 10 * (log_safety.MAX_MESSAGE + 300)
