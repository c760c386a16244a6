"""Take secrets out of text before it is written to a log or a crash report.

Four kinds of secret can reach a log line: a secret access key (botocore's
debug output, a traceback's locals, an error message), a request signature in
an Authorization header, an upload server's bearer token, and a presigned URL,
whose query string is a credential by itself for as long as it lives. Key IDs are cut to their first
four characters: enough to tell two apart, not enough to use one.

Every secret this process loads is remembered (``remember``) and replaced
wherever it appears, whatever the surrounding text; the patterns catch what it
cannot know (another tool's keys pasted into a bucket URL, a session token).
"""

from __future__ import annotations

import re
import threading

REDACTED = "[redacted]"
#: Shorter remembered "secrets" would replace ordinary words ("secret", "photos");
#: real ones are 40 (AWS) or 64 (R2) characters.
MIN_SECRET = 16

#: A URL's query string that carries a signature: a presigned URL.
_PRESIGNED = re.compile(
    r"(?P<url>[a-z][a-z0-9+.-]*://[^\s?'\"<>]+)\?(?P<query>[^\s'\"<>]*"
    r"(?:X-Amz-Signature|X-Amz-Credential|Signature|AWSAccessKeyId|X-Amz-Security-Token)="
    r"[^\s'\"<>]*)",
    re.IGNORECASE,
)
#: AWS Signature Version 4 (and 2) in an Authorization header, and as botocore's
#: debug output prints it ("Signature:\n<hex>").
_SIGNATURE = re.compile(r"(Signature=|Signature:\s*)[0-9A-Za-z+/=]{16,}")
_CREDENTIAL = re.compile(r"(Credential=)([0-9A-Za-z]{4})[^/,\s'\"]*")
#: ``name: value`` / ``name=value`` / ``"name": "value"`` for names that hold secrets.
_LABELLED = re.compile(
    r"(?P<label>(?:aws_)?secret(?:[_ -]?access)?[_ -]?key|secretaccesskey|session[_-]?token"
    r"|security[_-]?token|x-amz-security-token|password|passwd)"
    r"(?P<sep>['\"]?\s*[:=]\s*b?['\"]?)(?P<value>[^\s'\",&}]+)",
    re.IGNORECASE,
)
#: A bearer token (an upload server's), as an Authorization header carries it.
_BEARER = re.compile(r"(Bearer\s+)[^\s'\",]+", re.IGNORECASE)
#: AWS access key IDs (AKIA..., ASIA...): keep the first four characters.
_AWS_KEY_ID = re.compile(r"\b((?:AKIA|ASIA|AIDA|AROA))[0-9A-Z]{12,}\b")


class Redactor:
    """Replaces remembered secrets and secret-shaped text. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def remember(self, secret: str | None) -> None:
        """Never let ``secret`` be written anywhere this redactor guards."""
        if not secret or len(secret) < MIN_SECRET:
            return
        with self._lock:
            if secret not in self._secrets:
                # Longest first, so a secret containing another is replaced whole.
                self._secrets = tuple(sorted((*self._secrets, secret), key=len, reverse=True))

    def __call__(self, text: str) -> str:
        text = _PRESIGNED.sub(lambda m: f"{m['url']}?{REDACTED}", text)
        text = _SIGNATURE.sub(rf"\1{REDACTED}", text)
        text = _BEARER.sub(rf"\1{REDACTED}", text)
        text = _CREDENTIAL.sub(rf"\g<1>\g<2>…{REDACTED}", text)
        text = _LABELLED.sub(lambda m: f"{m['label']}{m['sep']}{REDACTED}", text)
        text = _AWS_KEY_ID.sub(rf"\1…{REDACTED}", text)
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


#: The process's one redactor: destinations remember their secrets here, and the
#: log and crash reports pass everything through it.
redact = Redactor()
