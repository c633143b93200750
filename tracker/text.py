"""Rules for text people type or upload, decided once: plain Python, no I/O.

The form, the importer and the catalogue loader all pass typed text through ``clean_text``;
exports pass every cell through ``safe_cell``; links pass ``check_url``.
"""

import re
from urllib.parse import urlsplit

# Longest text accepted per kind of field (characters, after line endings are normalised).
MAX_NARRATIVE = 10_000
MAX_NAME = 200
MAX_REASON = 2_000
MAX_LINK = 2_000
MAX_LINKS = 20
MAX_FILE_NAME = 120

# C0 control characters and DEL, except tab and newline (carriage returns are normalised first).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# What a link may hold after its host: letters, digits and the URL punctuation that cannot
# start Markdown, HTML, a badge (:red[...]) or an icon (:material/...:).
_URL_REST = re.compile(r"^[A-Za-z0-9\-._~/?#=&%+,;]*$")
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9\-.]*[A-Za-z0-9])?$")
# Characters an XLSX file cannot hold (openpyxl raises IllegalCharacterError on them).
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A spreadsheet treats a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class TextError(ValueError):
    """Typed text breaks a rule; the message says which, in words for the person who typed it."""


def normalise_line_endings(text: str) -> str:
    """CRLF and CR become LF, so the same words typed on any computer are the same text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean_text(value: str | None, *, max_length: int, multiline: bool = True) -> str:
    """Normalised, stripped text, or ``TextError`` saying what is wrong with it.

    Control characters are refused rather than removed: they never come from typing, so they
    mean the text was pasted from somewhere odd and the person should see it.
    """
    text = normalise_line_endings(value or "").strip()
    if not multiline and "\n" in text:
        raise TextError("keep this on one line")
    bad = _CONTROL.search(text)
    if bad:
        raise TextError(
            f"contains a control character (code {ord(bad.group()):#04x}) at position "
            f"{bad.start() + 1}; remove it and type the text again"
        )
    if len(text) > max_length:
        raise TextError(f"keep this under {max_length:,} characters (it has {len(text):,})")
    return text


def check_url(link: str) -> str:
    """The link itself if it is a plain web address, or ``TextError`` saying why not.

    Only http and https, a host name, no user name or password, and nothing after the host
    that could be read as Markdown or HTML when shown.
    """
    if len(link) > MAX_LINK:
        raise TextError(f"a link longer than {MAX_LINK:,} characters is not accepted")
    if _CONTROL.search(link) or any(c.isspace() for c in link):
        raise TextError(
            f"{link[:80]!r} is not a web address: it contains spaces or control characters; "
            "give each link on its own line, starting http:// or https://"
        )
    try:
        parts = urlsplit(link)
        port = parts.port
    except ValueError:
        raise TextError(f"{link[:80]!r} is not a web address") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise TextError(f"{link[:80]!r} is not a web address starting http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise TextError(f"{link[:80]!r} holds a user name or password; leave those out")
    host = parts.netloc if port is None else parts.netloc.rsplit(":", 1)[0]
    if not _HOST.match(host):
        raise TextError(f"{link[:80]!r} has a host name this tracker does not accept")
    rest = link[len(parts.scheme) + 3 + len(parts.netloc) :]
    if not _URL_REST.match(rest):
        raise TextError(
            f"{link[:80]!r} contains characters a web address should not "
            "(such as brackets, quotes or colons after the host name)"
        )
    return link


def is_safe_url(link: str) -> bool:
    try:
        check_url(link)
    except TextError:
        return False
    return True


def safe_cell(value: object) -> object:
    """A value as a spreadsheet cell that can never run as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
    apostrophe (the convention spreadsheets use for "this is text"), and the control characters
    XLSX cannot hold are removed (tab, newline and carriage return stay). Other values pass
    unchanged.
    """
    if not isinstance(value, str):
        return value
    text = _XLSX_ILLEGAL.sub("", value)
    return "'" + text if value.startswith(_FORMULA_START) else text
