"""Choosing how a file is cut into parts, within S3's limits."""

from __future__ import annotations

from dataclasses import dataclass

from lytsite_desktop.core.config.settings import MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE
from lytsite_desktop.core.sizes import MiB


@dataclass(frozen=True)
class PartPlan:
    """Parts 1..count, all ``part_size`` bytes except the last (R2 rejects anything else)."""

    size: int
    part_size: int

    @property
    def count(self) -> int:
        return max(1, -(-self.size // self.part_size))

    def span(self, number: int) -> tuple[int, int]:
        """(offset, length) of part ``number`` (1-based)."""
        if not 1 <= number <= self.count:
            raise ValueError(f"part {number} out of range 1..{self.count}")
        offset = (number - 1) * self.part_size
        return offset, min(self.part_size, self.size - offset)


def plan_parts(size: int, preferred_part_size: int) -> PartPlan:
    """Use the preferred size, at least 5 MiB, grown (in whole MiB) so that no
    file needs more than 10,000 parts. Store the result; never recompute on resume."""
    part_size = max(preferred_part_size, MIN_PART_SIZE)
    if -(-size // part_size) > MAX_PARTS:
        needed = -(-size // MAX_PARTS)
        part_size = -(-needed // MiB) * MiB
    if part_size > MAX_PART_SIZE:
        raise ValueError("file too large for a multipart upload (over 48.8 TiB)")
    return PartPlan(size=size, part_size=part_size)
