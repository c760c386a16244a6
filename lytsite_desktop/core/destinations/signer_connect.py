"""Connecting an upload server (a signing server) from the Connect dialog: the
address and token checked before any request, then one real test upload
(started, signed, aborted) that says in plain words what went wrong."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from lytsite_desktop.core.destinations.connect import Checked, Report, Step
from lytsite_desktop.core.destinations.signed import SignedDestination
from lytsite_desktop.core.destinations.signer import TokenRefused, parse_signer_url
from lytsite_desktop.core.errors import ConfigError, TransferError

ADDRESS_HELP = (
    "The address your studio gave you, e.g. https://uploads.example.com/companion "
    "(http:// only for a server on this computer)."
)


def read_signer_fields(address: str, token: str) -> Checked:
    """The address and token, checked without the network; the URL to save."""
    address = address.strip().rstrip("/")
    out = Checked(None, where=address)
    if not address:
        out.problems.append("Enter the upload server's address. " + ADDRESS_HELP)
    else:
        if "://" not in address:
            address = "https://" + address
            out.where = address
        try:
            parse_signer_url("companion+" + address)
        except ConfigError as exc:
            out.problems.append(f"{exc}. {ADDRESS_HELP}")
    if not token.strip():
        out.problems.append("Enter the token your studio gave you for this server.")
    if not out.problems:
        out.url = "companion+" + address
    return out


def check_signer(url: str, token: str, *, timeout: float = 10.0) -> Report:
    """Find the server, then start, sign and abort one upload. Stops at the first
    failure, which ``advice`` explains. Never raises for a network or server error."""
    location = parse_signer_url(url)
    report = Report()
    parts = urlsplit(location.base_url)
    host = parts.hostname or location.base_url
    try:
        socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as exc:
        report.steps.append(Step(f"Find {host}", False, str(exc)))
        report.advice = f"There is no server called {host}. Check the address and your network."
        return report
    report.steps.append(Step(f"Find {host}", True, "found"))
    name = "The server takes the token and signs an upload"
    with tempfile.TemporaryDirectory() as scratch:
        dest = SignedDestination(
            location, token.strip(), Path(scratch), max_connections=2,
            connect_timeout=timeout, read_timeout=timeout,
        )  # fmt: skip
        try:
            dest.check_access()
        except TokenRefused as exc:
            report.steps.append(Step(name, False, str(exc)))
            report.advice = str(exc)
            return report
        except TransferError as exc:
            report.steps.append(Step(name, False, str(exc)))
            report.advice = (
                "The server did not answer. Check the address (and its port), and that "
                "this computer is online."
                if getattr(exc, "network", False)
                else str(exc)
            )
            return report
        finally:
            dest.close()
    report.steps.append(Step(name, True, "done"))
    report.prefix = dest.prefix
    return report
