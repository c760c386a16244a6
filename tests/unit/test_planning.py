from __future__ import annotations

import os

import pytest

from lytsite_desktop.core.config.settings import MAX_PARTS
from lytsite_desktop.core.sizes import GiB, MiB
from lytsite_desktop.core.transfer.planning import PartPlan, plan_parts


def test_sixty_gib_sparse_file_fits_in_10000_uniform_parts(tmp_path):
    sparse = tmp_path / "timelapse.mov"
    with sparse.open("wb") as fh:
        fh.truncate(60 * GiB)  # sparse: no disk used
    size = os.stat(sparse).st_size
    plan = plan_parts(size, 8 * MiB)
    assert plan.count <= MAX_PARTS
    assert plan.part_size % MiB == 0 and plan.part_size >= 8 * MiB
    spans = [plan.span(n) for n in range(1, plan.count + 1)]
    assert all(length == plan.part_size for _, length in spans[:-1])
    assert 0 < spans[-1][1] <= plan.part_size
    assert sum(length for _, length in spans) == size
    assert spans[-1][0] + spans[-1][1] == size


@pytest.mark.parametrize("preferred", [1, 5 * MiB, 16 * MiB])
def test_part_size_never_below_5_mib(preferred):
    assert plan_parts(100 * MiB, preferred).part_size >= 5 * MiB


def test_small_growth_keeps_the_preferred_size():
    assert plan_parts(1 * GiB, 16 * MiB) == PartPlan(1 * GiB, 16 * MiB)
    assert plan_parts(16 * MiB * 10_000, 16 * MiB).count == 10_000
    assert plan_parts(16 * MiB * 10_000 + 1, 16 * MiB).part_size == 17 * MiB


def test_span_out_of_range():
    with pytest.raises(ValueError):
        PartPlan(10, 5).span(3)
