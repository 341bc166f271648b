"""Tasks shrink toward the end of an ensemble, and a member's inflows do not depend on its task."""

from __future__ import annotations

import numpy as np

from aralnexus.ensemble.inflows import iter_member_chunks, member_inflows
from aralnexus.ensemble.runner import guided_chunks
from aralnexus.pathways.runner import prepare_scenario


def test_guided_chunks_cover_every_member_once_and_end_with_single_members() -> None:
    members = list(range(200))
    chunks = guided_chunks(members, workers=2, largest=8)
    assert [m for c in chunks for m in c] == members
    sizes = [len(c) for c in chunks]
    assert max(sizes) == 8 and sizes == sorted(sizes, reverse=True)
    assert sizes[-3:] == [1, 1, 1]


def test_a_members_inflows_do_not_depend_on_how_members_are_grouped() -> None:
    scenario = prepare_scenario("default", "2025-01", "2025-12")
    chunks = guided_chunks([3, 4, 5, 6, 7, 8, 9], workers=1, largest=3)
    grouped = {
        m: da.isel(member=i).values
        for c, da in iter_member_chunks(scenario, chunks, "2025-01", "2025-12", 5, batch=4)
        for i, m in enumerate(c)
    }
    alone = member_inflows(scenario, [6], "2025-01", "2025-12", 5).isel(member=0).values
    np.testing.assert_array_equal(grouped[6], alone)
    assert sorted(grouped) == [3, 4, 5, 6, 7, 8, 9]
