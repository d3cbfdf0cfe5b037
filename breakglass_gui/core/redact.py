"""The logging redaction filter of docs/rules.md §12.

Access key ids (`AKIA…`/`ASIA…`) are identifiers, not secrets, and stay readable; what would let
someone act — secret access keys, session tokens, Vault tokens, sign-in tokens, TOTP secrets —
is replaced by `[REDACTED]` wherever it appears in a log record, whatever its shape around it.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

REDACTED: Final = "[REDACTED]"

_PATTERNS: Final[tuple[re.Pattern[str], ...]] = (
    # Federation sign-in tokens, in URLs or JSON.
    re.compile(r"(?i)(signin_?token[\"'=:\s]+)[^\s&\"',}]+"),
    # Vault service, batch and recovery tokens (current `hv?.` and legacy `s.`/`b.`/`r.` forms).
    re.compile(r"\bhv[sbr]\.[A-Za-z0-9_\-.]{20,}"),
    re.compile(r"(?<![\w.])[sbr]\.[A-Za-z0-9]{24,}\b"),
    # STS session tokens: long base64 runs (real ones are several hundred characters).
    re.compile(r"[A-Za-z0-9/+_\-]{100,}={0,2}"),
    # Secret access keys: 40 base64 characters standing on their own (fakes run a little longer).
    re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40,99}(?![A-Za-z0-9/+=])"),
    # AWS XML responses (STS, IAM) as botocore logs them at DEBUG.
    re.compile(r"(<(?:SecretAccessKey|SessionToken|Password)>)[^<]*"),
    # Anything labelled as a secret in key=value, JSON or Python-repr form. A quoted value is
    # taken whole, to its closing quote (escapes honoured), whatever it holds: a generated IAM
    # password may hold & } = and begin with one, a typed one anything. A quote never closed on the
    # line (a truncated record) takes the rest of the line. An unquoted value (a URL or form
    # body, where such characters are percent-encoded) ends at a space, quote, comma, } or &.
    re.compile(
        r"(?i)((?:secret_?access_?key|session_?token|aws_session_token|secret_id|password|"
        r"client_token|x-vault-token|token_code|totp_secret|unseal_key|key)[\"']?\s*[=:]\s*)"
        r"(?:'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|['\"][^\n]*|[^\s\"',}&]+)"
    ),
)


def redact(text: str) -> str:
    """Return `text` with every secret-shaped value replaced."""
    for pattern in _PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


def _redact_record(record: logging.LogRecord) -> None:
    """Format the record's message, redact it, and freeze the result into the record."""
    record.msg = redact(record.getMessage())
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactingFilter(logging.Filter):
    """The redaction as a handler filter (for a handler given records made elsewhere)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


class Redaction:
    """Every log record made in this process is redacted *as it is made*.

    A filter on the root logger sees only records logged on the root itself, and a filter on
    its handlers misses any handler added later, on any logger (a library's own, one with
    `propagate = False`). The record factory is the one point every record passes through,
    whatever the logger or handler, so the redaction is installed there.
    """

    def __init__(self) -> None:
        self._previous = logging.getLogRecordFactory()
        previous = self._previous

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redact_record(record)
            return record

        factory.redaction = self  # type: ignore[attr-defined]
        self._factory = factory
        logging.setLogRecordFactory(factory)

    def uninstall(self) -> None:
        if logging.getLogRecordFactory() is self._factory:
            logging.setLogRecordFactory(self._previous)


def install() -> Redaction:
    """Redact every log record of the process from now on (docs/rules.md §12); idempotent."""
    existing = getattr(logging.getLogRecordFactory(), "redaction", None)
    return existing if isinstance(existing, Redaction) else Redaction()
