"""Galleries past their last day: their pages already say so and offer nothing;
the app offers the photographer to hide their photos or delete them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from lytsite_desktop.core.gallery.layout import long_date
from lytsite_desktop.core.gallery.projects import ProjectRef


def expired(refs: Iterable[ProjectRef], today: date | None = None) -> list[ProjectRef]:
    """Projects past their expiry date whose page still shows photos."""
    day = (today or date.today()).isoformat()
    return [r for r in refs if r.expires is not None and r.expires < day and r.shown > 0]


def expired_line(ref: ProjectRef) -> str:
    """ "“Ana & João” (ana-joao): closed after 31 January 2027" """
    return (
        f"“{ref.title or ref.project}” ({ref.project}): closed after {long_date(ref.expires or '')}"
    )
