"""Turn a DEST (a saved name, an s3://, companion+https:// or file:// URL) into a
Destination."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.config.redact import redact
from lytsite_desktop.core.config.secrets import KeyringUnavailable, load_secret
from lytsite_desktop.core.config.settings import DestinationConfig, Settings
from lytsite_desktop.core.destinations.base import Algorithm, Destination
from lytsite_desktop.core.destinations.local import LocalDestination
from lytsite_desktop.core.destinations.s3_location import (
    S3Credentials,
    S3Location,
    checksum_for,
)
from lytsite_desktop.core.destinations.signer import (
    SCHEMES,
    TOKEN_VARIABLE,
    parse_signer_url,
)
from lytsite_desktop.core.errors import ConfigError
from lytsite_desktop.core.keys import MAX_PREFIX_BYTES

_QUERY_KEYS = {"endpoint", "region", "addressing", "checksum"}


def parse_s3_url(url: str) -> S3Location:
    """``s3://BUCKET[/PREFIX]?endpoint=URL[&region=REGION][&addressing=path|virtual]``
    ``[&checksum=sha256|md5]`` (the integrity check; by default SHA-256 for R2 and
    AWS, which verify it, Content-MD5 for other stores)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ConfigError(f"not an s3:// URL with a bucket: {url}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - _QUERY_KEYS
    if unknown:
        raise ConfigError(f"unknown option(s) in {url}: {', '.join(sorted(unknown))}")
    prefix = unquote(parts.path).strip("/")
    if len(prefix.encode()) >= MAX_PREFIX_BYTES:
        raise ConfigError(f"the prefix in {url} is too long (at most {MAX_PREFIX_BYTES - 1} bytes)")
    endpoint = query.get("endpoint")
    if endpoint and not endpoint.startswith(("http://", "https://")):
        endpoint = "https://" + endpoint
    addressing = query.get("addressing") or ("path" if endpoint else "virtual")
    if addressing not in ("path", "virtual"):
        raise ConfigError("addressing must be 'path' or 'virtual'")
    checksum = query.get("checksum") or checksum_for(endpoint)
    if checksum not in ("sha256", "md5"):
        raise ConfigError("checksum must be 'sha256' or 'md5'")
    return S3Location(
        bucket=parts.netloc,
        prefix=prefix + "/" if prefix else "",
        endpoint_url=endpoint,
        region=query.get("region"),
        addressing_style=addressing,
        checksum=checksum,  # type: ignore[arg-type]
    )


def parse_file_url(url: str) -> Path:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or not path.startswith("/"):
        raise ConfigError(f"not a file:///ABSOLUTE/PATH URL: {url}")
    return Path(path)


def validate_dest_url(url: str) -> None:
    """Raise ConfigError unless ``url`` is a destination URL."""
    if url.startswith("s3://"):
        parse_s3_url(url)
    elif url.startswith("file://"):
        parse_file_url(url)
    elif url.startswith(SCHEMES):
        parse_signer_url(url)
    else:
        raise ConfigError(
            "a destination must be s3://BUCKET[/PREFIX]?endpoint=URL, "
            f"companion+https://HOST[/PATH] or file:///PATH, not {url!r}"
        )


def signer_token(saved: DestinationConfig | None) -> str:
    """The upload server's token: the saved destination's (keyring), else
    LYTSITE_SIGNER_TOKEN."""
    if saved and saved.keyring_secret:
        token = _saved_secret(saved, "token")
        if token:
            return token
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        name = saved.name if saved else "NAME"
        raise ConfigError(
            f"no token for the upload server: save one with 'lytsite-desktop dest add {name} "
            f"URL --token-stdin', or set {TOKEN_VARIABLE}"
        )
    return token


def _open_signed(
    url: str, saved: DestinationConfig | None, settings: Settings, state_dir: Path,
    max_connections: int,
) -> Destination:  # fmt: skip
    from lytsite_desktop.core.destinations.signed import SignedDestination

    location = parse_signer_url(url)
    token = signer_token(saved)
    redact.remember(token)
    mirror = state_dir / "signed" / hashlib.sha256(location.ident.encode()).hexdigest()[:16]
    return SignedDestination(
        location, token, mirror, max_connections=max_connections,
        connect_timeout=settings.transfer.connect_timeout,
        read_timeout=settings.transfer.read_timeout,
    )  # fmt: skip


@dataclass(frozen=True)
class DestRef:
    """Where to publish, typed: a saved destination's name or a URL (``spec``, what
    the journal remembers), and whether it is this computer's library. There is no
    "default" reference: the default is resolved once, by :meth:`default`."""

    spec: str
    library: bool = False

    @classmethod
    def local_library(cls, paths: AppPaths) -> DestRef:
        return cls(paths.default_library.as_uri(), library=True)

    @classmethod
    def default(cls, settings: Settings, paths: AppPaths) -> DestRef:
        """The default saved destination, else the first saved one, else the library."""
        name = settings.default_destination or next(iter(settings.destinations), None)
        return cls(name) if name else cls.local_library(paths)

    @classmethod
    def of(cls, spec: str, paths: AppPaths) -> DestRef:
        """A DEST as typed (``--dest``) or remembered by the journal."""
        return cls.local_library(paths) if spec == paths.default_library.as_uri() else cls(spec)

    def label(self) -> str:
        """How a photographer knows it."""
        return "this computer's library" if self.library else self.spec


def open_destination(
    ref: DestRef, settings: Settings, state_dir: Path, *, max_connections: int = 12
) -> Destination:
    """Open the destination ``ref`` names (``state_dir``: where a signed one keeps
    its copy of what it wrote)."""
    spec = ref.spec
    saved: DestinationConfig | None = settings.destinations.get(spec)
    url = saved.url if saved else spec
    if url.startswith("file://"):
        return LocalDestination(parse_file_url(url))
    if url.startswith(SCHEMES):
        return _open_signed(url, saved, settings, state_dir, max_connections)
    if not url.startswith("s3://"):
        known = ", ".join(sorted(settings.destinations)) or "none saved yet"
        raise ConfigError(
            f"unknown destination {spec!r} (saved destinations: {known}); use a saved "
            "name, s3://BUCKET?endpoint=URL, companion+https://HOST or file:///PATH"
        )
    location = parse_s3_url(url)
    credentials = None
    if saved and saved.keyring_secret:
        secret = _saved_secret(saved, "secret key")
        if secret is None or not saved.access_key_id:
            raise ConfigError(
                f"the keyring has no secret for destination {saved.name!r}; "
                f"save it again with 'lytsite-desktop dest add {saved.name} URL'"
            )
        credentials = S3Credentials(saved.access_key_id, secret)
    # The S3 client is loaded only for a bucket: a folder's publish starts without it.
    from lytsite_desktop.core.destinations.s3 import S3Destination

    return S3Destination(
        location,
        credentials,
        max_connections=max_connections,
        connect_timeout=settings.transfer.connect_timeout,
        read_timeout=settings.transfer.read_timeout,
    )


def part_checksum(ref: DestRef, settings: Settings) -> Algorithm | None:
    """The checksum the destination's parts will carry, from its address alone
    (nothing opened, no S3 library); None if the address is not one it knows."""
    saved = settings.destinations.get(ref.spec)
    url = saved.url if saved else ref.spec
    if url.startswith("s3://"):
        try:
            return parse_s3_url(url).part_checksum
        except ConfigError:
            return None
    if url.startswith("file://"):
        return LocalDestination.part_checksum
    if url.startswith(SCHEMES):
        from lytsite_desktop.core.destinations.signed import SignedDestination

        return SignedDestination.part_checksum
    return None


def _saved_secret(saved: DestinationConfig, what: str) -> str | None:
    """A saved destination's secret key or token from the keyring (None: none saved)."""
    try:
        return load_secret(saved.name)
    except KeyringUnavailable as exc:
        raise ConfigError(
            f"cannot read the {what} of destination {saved.name!r} from the keyring: {exc}"
        ) from exc
