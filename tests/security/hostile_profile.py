"""The hostile-input corpus for the /members form, with what validation must do with each.

Every case is ``(field, value, expected)`` where ``expected`` is :class:`Stored` (the exact
value that must come back from the database) or :class:`Refused` (the error code
``validate_profile`` must give). The cases are built from families of payloads crossed
with the fields they apply to, so adding a payload covers every field:

* XSS payloads: stored verbatim in free-text fields (text is text: escaping is the
  renderer's job, and the browser test checks it does), refused by URL, handle and
  choice fields;
* control characters, bidirectional overrides/isolates ("Trojan Source"), lone
  surrogates and line separators: refused everywhere (``bio`` keeps ``\\n`` and ``\\t``);
* Unicode-heavy text (scripts, emoji ZWJ sequences, combining marks, astral letters):
  stored in free-text fields, NFC-normalised;
* lengths at and past every limit, counted in code points;
* URL and handle tricks (``javascript:``, credentials, protocol-relative, other hosts).

The browser test uses :data:`BROWSER_PAYLOADS`, a subset that exercises rendering.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from clerk_app.profile import BIO_MAX_LENGTH, FIELD_MAX_LENGTH


@dataclass(frozen=True)
class Stored:
    value: object


@dataclass(frozen=True)
class Refused:
    code: str


TEXT_FIELDS = ("bio", "company", "job_title", "location")
URL_FIELDS = ("website", "linkedin")
HANDLE_FIELDS = ("twitter", "github")
CHOICE_FIELDS = ("theme", "language")
ALL_TEXT = TEXT_FIELDS + URL_FIELDS + HANDLE_FIELDS

XSS = [
    "<script>window.__xss=1</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '"><img src=x onerror="window.__xss=2">',
    "'><svg/onload=window.__xss=3>",
    "<svg><script>window.__xss=4</script></svg>",
    "<iframe src=javascript:window.__xss=5>",
    '<a href="javascript:window.__xss=6">click</a>',
    "<body onload=window.__xss=7>",
    "<details open ontoggle=window.__xss=8>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=9>",
    '" autofocus onfocus="window.__xss=10" x="',
    "' onmouseover='window.__xss=11'",
    "</textarea><script>window.__xss=12</script>",
    "</title><script>window.__xss=13</script>",
    "<<script>script>window.__xss=14//<</script>",
    "-->\"'><script>window.__xss=15</script>",
    "<style>*{background:url(javascript:window.__xss=16)}</style>",
    "<object data=javascript:window.__xss=17>",
    "<input autofocus onfocus=window.__xss=18>",
    "<video><source onerror=window.__xss=19>",
    "javascript:window.__xss=20",
    "JaVaScRiPt:window.__xss=21",
    "&#106;avascript:window.__xss=22",
    "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MjM8L3NjcmlwdD4=",
    "vbscript:msgbox(24)",
    "{{constructor.constructor('window.__xss=25')()}}",
    "${window.__xss=26}",
    "#{window.__xss=27}",
    "\\u003cscript\\u003ewindow.__xss=28\\u003c/script\\u003e",
    "＜script＞window.__xss=29＜/script＞",
    "<img src=x:alert(1) onerror=eval(atob('d2luZG93Ll9feHNzPTMw'))>",
    "<scr<script>ipt>window.__xss=31</scr</script>ipt>",
]

#: Refused in every field (``bio`` included), with the reason in the name.
FORBIDDEN_CHARS = {
    "nul": "a\x00b",
    "bell": "a\x07b",
    "escape (ANSI colour)": "\x1b[31mred\x1b[0m",
    "delete": "a\x7fb",
    "next line (C1)": "a\x85b",
    "csi (C1)": "a\x9bb",
    "vertical tab": "a\x0bb",
    "form feed": "a\x0cb",
    "lone surrogate": "a\ud800b",
    "right-to-left override": "user\u202egnp.exe",
    "left-to-right override": "a\u202db",
    "right-to-left embedding": "a\u202bb",
    "pop directional formatting": "a\u202cb",
    "right-to-left isolate": "a\u2067b\u2069",
    "first strong isolate": "a\u2068b\u2069",
    "pop directional isolate": "a\u2069b",
}
#: Line breaks and tabs: fine in ``bio`` (CR, CRLF and the Unicode separators become LF),
#: refused in one-line fields.
MULTILINE = {
    "newline": ("a\nb", "a\nb"),
    "crlf": ("a\r\nb", "a\nb"),
    "lone cr": ("a\rb", "a\nb"),
    "tab": ("a\tb", "a\tb"),
    "line separator": ("a\u2028b", "a\nb"),
    "paragraph separator": ("a\u2029b", "a\nb"),
}

#: Unicode that is legitimate text: stored (NFC) in free-text fields.
UNICODE_TEXT = [
    "Zoë Ōtsuka-Ñúñez",
    "李小龙 · 東京都",
    "مرحبا بالعالم",
    "שלום עולם",
    "Привет, мир",
    "👩‍👩‍👧‍👦🚀🇫🇷",
    "Z̸̢̛̤͎a̴͎͖l̷g̵o̶ ̸t̵e̶x̸t̴",
    "𝕳𝖊𝖑𝖑𝖔 𝔀𝓸𝓻𝓵𝓭",
    "e\u0301te\u0301",  # decomposed: stored composed
    "ﬁﬂ ligatures",
    "a\u200db\u200cc",  # zero-width joiner / non-joiner: format characters, not controls
    "name\u200fmark",  # RLM: a mark, not an override
    "\ufeffbom first",
]

URL_CASES: list[tuple[str, Stored | Refused]] = [
    ("https://example.com", Stored("https://example.com")),
    ("example.com/a?b=c#d", Stored("https://example.com/a?b=c#d")),
    ("HTTP://Example.com:8080/x", Stored("http://Example.com:8080/x")),
    ("https://xn--bcher-kva.example/", Stored("https://xn--bcher-kva.example/")),
    ("https://example.com/'onmouseover='x'", Stored("https://example.com/'onmouseover='x'")),
    ("javascript:alert(1)", Refused("invalid_url")),
    ("javascript://example.com/%0aalert(1)", Refused("invalid_url")),
    ("data:text/html,<script>alert(1)</script>", Refused("invalid_url")),
    ("ftp://example.com", Refused("invalid_url")),
    ("file:///etc/passwd", Refused("invalid_url")),
    ("https://good.example@evil.example", Refused("invalid_url")),
    ("https://user:pass@example.com", Refused("invalid_url")),
    ('https://example.com/"><script>', Refused("invalid_url")),
    ("https://exa mple.com", Refused("invalid_url")),
    ("https://localhost", Refused("invalid_url")),
    ("https://-bad-.example", Refused("invalid_url")),
    ("https://example.com:99999", Refused("invalid_url")),
    ("http:/\\evil.example", Refused("invalid_url")),
    ("https://example.com/" + "a" * 90, Refused("too_long")),
]

HANDLE_CASES: list[tuple[str, str, Stored | Refused]] = [
    ("twitter", "@ada_l", Stored("ada_l")),
    ("twitter", "https://x.com/ada_l", Stored("ada_l")),
    ("twitter", "twitter.com/ada_l", Stored("ada_l")),
    ("twitter", "https://evil.example/ada_l", Refused("invalid_handle")),
    ("twitter", "@ada lovelace", Refused("invalid_handle")),
    ("twitter", "a" * 16, Refused("invalid_handle")),
    ("github", "https://github.com/ada-l", Stored("ada-l")),
    ("github", "ada--l", Refused("invalid_handle")),
    ("github", "-ada", Refused("invalid_handle")),
    ("github", "javascript:alert(1)", Refused("invalid_handle")),
    ("github", "https://github.com/ada/repo", Refused("invalid_handle")),
    ("github", "a" * 40, Refused("invalid_handle")),
]

CHOICE_CASES: list[tuple[str, str, Stored | Refused]] = [
    ("theme", "DARK", Stored("dark")),
    ("theme", "dark; background:url(x)", Refused("invalid_choice")),
    ("theme", "<script>", Refused("invalid_choice")),
    ("language", " EN ", Stored("en")),
    ("language", "de", Refused("invalid_choice")),
    ("language", "fr\u202e", Refused("invalid_choice")),
    ("email_notifications", "on", Stored(True)),
    ("email_notifications", "", Stored(False)),
    ("email_notifications", "<script>", Refused("invalid_value")),
]


def _limit(field: str) -> int:
    return BIO_MAX_LENGTH if field == "bio" else FIELD_MAX_LENGTH


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def build_cases() -> list[tuple[str, str, object, Stored | Refused]]:
    """Every case as ``(id, field, value, expected)``."""
    cases: list[tuple[str, str, object, Stored | Refused]] = []

    def add(kind: str, field: str, value: object, expected: Stored | Refused) -> None:
        cases.append((f"{kind}-{field}-{len(cases)}", field, value, expected))

    for n, payload in enumerate(XSS):
        for field in TEXT_FIELDS:
            add(f"xss{n}", field, payload, Stored(_nfc(payload)))
        for field in URL_FIELDS:
            add(f"xss{n}", field, payload, Refused("invalid_url"))
        for field in HANDLE_FIELDS:
            add(f"xss{n}", field, payload, Refused("invalid_handle"))
        add(f"xss{n}", "theme", payload, Refused("invalid_choice"))
    for name, value in FORBIDDEN_CHARS.items():
        for field in ALL_TEXT:
            add(name.replace(" ", "_"), field, value, Refused("invalid_characters"))
    for name, (value, stored) in MULTILINE.items():
        add(name.replace(" ", "_"), "bio", value, Stored(stored))
        for field in ALL_TEXT[1:]:
            add(name.replace(" ", "_"), field, value, Refused("invalid_characters"))
    for n, text in enumerate(UNICODE_TEXT):
        for field in TEXT_FIELDS:
            add(f"unicode{n}", field, text, Stored(_nfc(text)))
    for field in TEXT_FIELDS:
        limit = _limit(field)
        add("at_limit", field, "é" * limit, Stored("é" * limit))
        add("astral_at_limit", field, "𝕳" * limit, Stored("𝕳" * limit))
        add("past_limit", field, "x" * (limit + 1), Refused("too_long"))
        add("combining_past_limit", field, "e" + "\u0301\u0302" * limit, Refused("too_long"))
        add("emoji_past_limit", field, "👩‍💻" * (limit // 3 + 1), Refused("too_long"))
        add("padded_to_limit", field, "  " + "y" * limit + "\n ", Stored("y" * limit))
    for value, expected in URL_CASES:
        for field in URL_FIELDS:
            add("url", field, value, expected)
    for field, value, expected in HANDLE_CASES + CHOICE_CASES:
        add("handle" if field in HANDLE_FIELDS else "choice", field, value, expected)
    for field in ALL_TEXT:
        add("blank_clears", field, "   ", Stored(None))
        add("not_text", field, 12345, Refused("invalid_value"))
    return cases


CASES = build_cases()

#: What the browser test types into every free-text field, one submission each.
BROWSER_PAYLOADS = [p for p in XSS if len(p) <= FIELD_MAX_LENGTH] + [
    "Z̸̢̛̤͎a̴͎͖l̷g̵o̶ 李小龙 مرحبا 👩‍👩‍👧‍👦",
]
