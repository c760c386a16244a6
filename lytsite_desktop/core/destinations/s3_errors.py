"""What an S3-compatible service's errors mean, in a photographer's words."""

from __future__ import annotations

from typing import TYPE_CHECKING

import urllib3.exceptions as uexc

from lytsite_desktop.core.destinations.s3_wire import NoKeysError, S3Error
from lytsite_desktop.core.errors import (
    DigestMismatchError,
    PermanentError,
    PreconditionFailed,
    TransferError,
    TransientError,
    UploadGoneError,
)

if TYPE_CHECKING:
    from lytsite_desktop.core.destinations.s3_location import S3Location

_TRANSIENT_CODES = {
    "SlowDown",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "InternalError",
    "ServiceUnavailable",
    "Throttling",
    "ThrottlingException",
    "TooManyRequests",
    "RequestLimitExceeded",
}
_BAD_KEY_CODES = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "TokenRefreshRequired",
    "AuthorizationHeaderMalformed",
    "InvalidClientTokenId",
    "Unauthorized",
}


#: No keys in the keychain for this destination, nor in the environment.
NO_KEYS = (
    "No access keys for this destination were found on this computer: enter them in "
    "Settings → Destinations → Edit… (or with 'lytsite-desktop dest add'), or set "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
)


def translate_error(exc: BaseException, loc: S3Location) -> TransferError:
    """Turn a failed request (:class:`~.s3_wire.S3Error`, a network error) into one
    of our kinds, worded for a photographer."""
    if isinstance(exc, TransferError):
        return exc
    where = loc.endpoint_url or "AWS S3"
    if isinstance(exc, NoKeysError):
        return PermanentError(NO_KEYS)
    if isinstance(exc, S3Error):
        code, message, status = exc.code, exc.message.strip(), exc.status
        if exc.region and loc.endpoint_url is None:  # AWS: the bucket is in another region
            return TransientError(f"the bucket is in {exc.region}")  # (asked there next time)
        if code == "PreconditionFailed" or status == 412:
            return PreconditionFailed("another computer changed it first")
        if code == "NoSuchUpload":
            return UploadGoneError(f"the store no longer knows this upload ({message or code})")
        if code in ("BadDigest", "InvalidDigest"):
            return DigestMismatchError("the bytes received differ from the file's checksum")
        if code in _BAD_KEY_CODES:
            return PermanentError(
                f"The storage service at {where} rejected the access keys ({code}). "
                "Check the access key ID and secret for this destination."
            )
        if code == "NoSuchBucket":
            return PermanentError(
                f"The bucket '{loc.bucket}' does not exist at {where}. "
                "Create it in your storage provider's dashboard, or check its name."
            )
        if code in ("AccessDenied", "AllAccessDisabled") or status == 403:
            return PermanentError(
                f"Access denied to bucket '{loc.bucket}' at {where}: the keys work but are "
                "not allowed to write there. Give the token read and write access to this bucket."
            )
        if code in ("EntityTooSmall", "EntityTooLarge", "InvalidPart", "InvalidPartOrder"):
            return PermanentError(f"The storage service refused the upload ({code}: {message}).")
        if code in _TRANSIENT_CODES or status == 429 or status >= 500:
            return TransientError(f"the storage service is busy or failing ({code or status})")
        detail = message or "no details"
        return PermanentError(
            f"The storage service refused the request ({code or status}: {detail})."
        )
    refused = isinstance(exc, uexc.NewConnectionError)  # (a timeout to urllib3)
    if isinstance(exc, uexc.TimeoutError | TimeoutError) and not refused:
        return TransientError(f"no answer from {where} (timed out)", network=True)
    if isinstance(exc, uexc.HTTPError):  # refused, reset, closed: the log has which way
        return TransientError(f"cannot reach {where}", network=True)
    if isinstance(exc, ConnectionError | OSError):
        return TransientError(f"the connection to {where} broke", network=True)
    return PermanentError(f"Unexpected error talking to {where}: {exc}")
