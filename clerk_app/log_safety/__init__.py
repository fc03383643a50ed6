"""Logs that cannot leak credentials or fill the disk: call :func:`install` once at start-up.

Reflex logs a full traceback, with the request headers (cookies included), whenever an
event handler fails, and it logs malformed event payloads verbatim; uvicorn and granian
log request lines with their query strings. So a session token, a ``__session``
cookie, the Clerk secret key or the webhook secret can reach a log file from code we
do not own, and any client can produce as many of those lines as it likes.

:class:`SafeLogFilter` handles each record once, before any handler formats it:

1. **Rate limit** (:mod:`.ratelimit`): records from one logging call site beyond its
   token bucket are dropped and counted; the count is reported later. Decided first,
   so a flood costs no formatting.
2. **Redaction** (:mod:`.redact`): the message, its arguments, the formatted traceback
   and the stack info are scrubbed, and over-long messages are cut (a 1 MB event
   payload logged verbatim would otherwise be 1 MB per line). The traceback is
   rendered here, redacted and appended to the message, and ``exc_info`` is cleared:
   a handler that renders ``exc_info`` itself (Reflex's console handler, rich) would
   otherwise print the unredacted original.

Where it hooks in, and why in several places: a filter on a *logger* only sees records
logged on that very logger, not those propagating from its children, so the filter is
attached to the *handlers* that emit (root's, ``reflex``'s, uvicorn's, granian's …).
Handlers added later (granian re-runs ``dictConfig`` in each worker) are covered by a
``LogRecord`` factory that processes every record as it is created and attaches the
filter to any handler on the record's path that lacks it. The decision is stored on
the record, so a record met by several handlers is judged once.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterable
from typing import Any

from clerk_app.log_safety.ratelimit import RateLimiter, Summary
from clerk_app.log_safety.redact import add_secret, clear_secrets, redact, truncate

__all__ = [
    "SafeLogFilter",
    "add_secret",
    "clear_secrets",
    "install",
    "installed_filter",
    "redact",
    "uninstall",
]

#: Loggers whose records must be covered (and whose handlers get the filter).
LOGGER_NAMES = (
    "",
    "reflex",
    "reflex.app",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "granian",
    "granian.access",
    "_granian",
    "socketio",
    "socketio.server",
    "engineio",
    "engineio.server",
    "asyncio",
    "httpx",
    "sqlalchemy",
    "clerk_app",
)
MAX_MESSAGE = 4000
MAX_TRACEBACK = 12000
TRACEBACK_TAIL = 8000  # the end of a traceback says what failed: keep more of it
_MARK = "_clerk_app_log_safety"


class SafeLogFilter(logging.Filter):
    """Rate-limit, then redact and bound, each record (see the module docstring)."""

    def __init__(
        self,
        limiter: RateLimiter | None = None,
        *,
        max_message: int = MAX_MESSAGE,
        max_traceback: int = MAX_TRACEBACK,
    ) -> None:
        super().__init__()
        self.limiter = limiter or RateLimiter()
        self.max_message = max_message
        self.max_traceback = max_traceback
        self._local = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        return self.process(record)

    def process(self, record: logging.LogRecord) -> bool:
        """Judge ``record`` once: ``False`` means drop it. Sanitises it in place."""
        decided = record.__dict__.get(_MARK)
        if decided is not None:
            return decided
        if getattr(self._local, "reporting", False):  # our own summary line
            allowed, dropped = True, 0
        else:
            site = (record.name, record.levelno, record.pathname, record.lineno)
            allowed, dropped = self.limiter.hit(site, sample=_sample(record))
        if allowed:
            self._sanitise(record, dropped)
        record.__dict__[_MARK] = allowed
        self._emit_due_summaries()
        return allowed

    # -- sanitising ----------------------------------------------------------------------

    def _sanitise(self, record: logging.LogRecord, dropped: int) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep everything, as text
            message = f"{record.msg!r} % {record.args!r}"
        clean = truncate(redact(message), self.max_message)
        if clean != message and not self._redact_args(record):
            record.msg, record.args = clean, ()
        extra = ""
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
            extra += "\n" + truncate(redact(text), self.max_traceback, keep_tail=TRACEBACK_TAIL)
        elif record.exc_text:
            extra += "\n" + truncate(redact(record.exc_text), self.max_traceback)
        record.exc_info, record.exc_text = None, None
        if record.stack_info:
            record.stack_info = truncate(redact(record.stack_info), self.max_traceback)
        if dropped:
            extra += f" [log_safety: {dropped} similar messages suppressed before this one]"
        if extra:
            if record.args:  # the template is still %-formatted: escape what we append
                extra = extra.replace("%", "%%")
            record.msg = f"{record.msg}{extra}"

    def _redact_args(self, record: logging.LogRecord) -> bool:
        """Redact the ``%`` arguments one by one, keeping the template (formatters such as
        uvicorn's access log read ``record.args``); ``False`` when that is not enough."""
        msg, args = record.msg, record.args
        if not isinstance(msg, str) or not args or redact(msg) != msg:
            return False
        if isinstance(args, tuple):
            new_args: Any = tuple(self._clean_arg(arg) for arg in args)
        elif isinstance(args, dict):
            new_args = {key: self._clean_arg(value) for key, value in args.items()}
        else:
            return False
        try:
            formatted = msg % new_args
        except Exception:
            return False
        if redact(formatted) != formatted or len(formatted) > self.max_message + 200:
            return False
        record.args = new_args
        return True

    def _clean_arg(self, arg: Any) -> Any:
        if isinstance(arg, int | float | bool) or arg is None:
            return arg
        text = str(arg)
        clean = truncate(redact(text), self.max_message // 2)
        return arg if clean == text else clean

    # -- summaries -----------------------------------------------------------------------

    def flush(self) -> None:
        """Report every suppressed count now (tests, shutdown)."""
        self._report(self.limiter.due_summaries(force=True))

    def _emit_due_summaries(self) -> None:
        if getattr(self._local, "reporting", False):
            return
        self._report(self.limiter.due_summaries())

    def _report(self, summaries: list[Summary]) -> None:
        if not summaries:
            return
        self._local.reporting = True
        try:
            for summary in summaries:
                # On the site's own logger, so the line lands where the dropped ones would have.
                name, level, path, line = summary.site
                logging.getLogger(name or None).log(
                    max(level, logging.WARNING),
                    "log_safety: %d similar messages suppressed from %s (%s:%s, %s): %s",
                    summary.count,
                    name or "root",
                    path,
                    line,
                    logging.getLevelName(level),
                    summary.sample,
                )
        finally:
            self._local.reporting = False


def _sample(record: logging.LogRecord) -> str:
    """The first line of a record's template, redacted: what a summary shows."""
    text = str(record.msg).strip().splitlines()[0] if str(record.msg).strip() else ""
    return redact(text[:200])


# -- installation -------------------------------------------------------------------------

_install_lock = threading.Lock()
_filter: SafeLogFilter | None = None
_previous_factory: Any = None


def installed_filter() -> SafeLogFilter | None:
    return _filter


def _attach_along(logger: logging.Logger | logging.PlaceHolder | None, flt: SafeLogFilter) -> None:
    """Give the filter to every handler a record from ``logger`` will reach."""
    current = logger
    while isinstance(current, logging.Logger):
        for handler in current.handlers:
            if flt not in handler.filters:
                handler.addFilter(flt)
        if not current.propagate:
            break
        current = current.parent


def install(
    *, secrets: Iterable[str | None] = (), limiter: RateLimiter | None = None
) -> SafeLogFilter:
    """Install the filter process-wide (idempotent); register literal ``secrets``.

    Call it once at start-up, before the app serves anything: for this app, at the top
    of ``clerk_app/clerk_app.py``, which every backend process (and each granian worker)
    imports. A second call only registers more secrets.
    """
    global _filter, _previous_factory
    for secret in secrets:
        add_secret(secret)
    with _install_lock:
        if _filter is not None:
            return _filter
        flt = _filter = SafeLogFilter(limiter)
        manager = logging.root.manager
        for name in LOGGER_NAMES:
            logger = logging.getLogger(name) if name else logging.root
            logger.addFilter(flt)
            _attach_along(logger, flt)
        for logger in list(manager.loggerDict.values()):
            _attach_along(logger, flt)  # handlers other libraries already configured
        if logging.lastResort is not None:
            logging.lastResort.addFilter(flt)

        previous = _previous_factory = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            name = record.name
            logger = logging.root if name == "root" else manager.loggerDict.get(name)
            _attach_along(logger, flt)
            flt.process(record)
            return record

        logging.setLogRecordFactory(factory)
        return flt


def uninstall() -> None:
    """Remove the filter everywhere it was attached (tests)."""
    global _filter, _previous_factory
    with _install_lock:
        flt = _filter
        if flt is None:
            return
        if _previous_factory is not None:
            logging.setLogRecordFactory(_previous_factory)
        loggers = [logging.root, *logging.root.manager.loggerDict.values()]
        for logger in loggers:
            if isinstance(logger, logging.Logger):
                logger.removeFilter(flt)
                for handler in logger.handlers:
                    handler.removeFilter(flt)
        if logging.lastResort is not None:
            logging.lastResort.removeFilter(flt)
        _filter = _previous_factory = None
