"""`dest add | list | remove`: saved destinations (secrets go to the OS keyring)."""

from __future__ import annotations

import argparse
import getpass
import sys

from lytsite_desktop.cli.exits import EXIT_OK
from lytsite_desktop.core.app import App, validate_destination_name
from lytsite_desktop.core.config.secrets import KeyringUnavailable
from lytsite_desktop.core.destinations.resolve import validate_dest_url
from lytsite_desktop.core.destinations.signer import (
    SCHEMES,
    TOKEN_VARIABLE,
    parse_signer_url,
    public_under,
)
from lytsite_desktop.core.errors import ConfigError, TransferError, TransientError


def cmd_dest(app: App, args: argparse.Namespace) -> int:
    settings = app.settings
    if args.dest_command == "list":
        if not settings.destinations:
            print(f"No saved destinations. Uploads go to {app.paths.default_library}.")
        default = app.default_destination().spec
        for name, d in sorted(settings.destinations.items()):
            creds = "keyring" if d.keyring_secret else "environment"
            what = "token" if d.url.startswith(SCHEMES) else "keys"
            mark = "*" if name == default else " "
            print(f"{mark} {name}\t{d.url}\t({what}: {creds})")
        return EXIT_OK
    if args.dest_command == "remove":
        app.remove_destination(args.name)
        print(f"Removed destination {args.name!r}.")
        return EXIT_OK
    return _dest_add(app, args)


def _dest_add(app: App, args: argparse.Namespace) -> int:
    validate_destination_name(args.name)
    validate_dest_url(args.url)
    key_id = secret = token = None
    signed = args.url.startswith(SCHEMES)
    if signed and (args.token_stdin or sys.stdin.isatty()):
        token = _prompt("Upload server token: ", secret=True)
        if not token:
            raise ConfigError("no token given")
        public_url = public_under(args.public_url, _check_server(app, args.url, token))
        if public_url != args.public_url:
            print(f"The server keeps your files in a folder of its own: the public address "
                  f"of your galleries is {public_url}")  # fmt: skip
            args.public_url = public_url
    elif args.url.startswith("s3://") and not args.env_credentials:
        key_id = args.access_key_id or _prompt("Access key ID: ", secret=False)
        secret = _prompt("Secret access key: ", secret=True)
        if not key_id or not secret:
            raise ConfigError("both an access key ID and a secret access key are needed")
    try:
        config = app.save_destination(
            args.name,
            args.url,
            access_key_id=key_id,
            secret=secret,
            default=args.default,
            public_url=args.public_url,
            token=token,
        )
    except KeyringUnavailable as exc:
        if signed:
            other = (f"Alternatively, set {TOKEN_VARIABLE} where the app runs and add the "
                     "destination without a terminal (it then asks for no token).")  # fmt: skip
        else:
            other = ("Alternatively, save the destination with --env-credentials and set "
                     "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment.")  # fmt: skip
        raise ConfigError(f"{exc} {other}") from exc
    if config.keyring_secret:
        what = "token" if signed else "secret key"
        where = f"; its {what} is in the system keyring"
    elif signed:
        where = f"; its token comes from {TOKEN_VARIABLE} when it is used"
    elif args.url.startswith("s3://"):
        where = "; the keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when it is used"
    else:
        where = " (a folder: no keys needed)"
    print(f"Saved destination {args.name!r}{where}.")
    return EXIT_OK


def _check_server(app: App, url: str, token: str) -> str | None:
    """Ask the upload server once (a test upload, aborted) before saving: a refused
    token or a server that names files itself is said now, not at the first upload.
    Returns the folder the server keeps this token's files in (None: not learned)."""
    location = parse_signer_url(url)
    mirror = app.paths.state_dir / "signed-check"
    from lytsite_desktop.core.destinations.signed import SignedDestination

    dest = SignedDestination(location, token, mirror)
    try:
        dest.check_access()
    except TransientError as exc:
        print(f"lytsite-desktop: could not reach the upload server now ({exc}); "
              "saved anyway.", file=sys.stderr)  # fmt: skip
    except TransferError as exc:
        raise ConfigError(str(exc)) from exc
    finally:
        dest.close()
    return dest.prefix


def _prompt(label: str, *, secret: bool) -> str:
    """Read from the terminal, or one line of stdin when it is not a terminal."""
    if sys.stdin.isatty():
        return (getpass.getpass(label) if secret else input(label)).strip()
    return sys.stdin.readline().strip()
