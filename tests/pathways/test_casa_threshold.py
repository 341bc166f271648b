"""The CASA-1000 storage check counts a reservoir as full with the run's ``casa_surplus_full_pct``."""

from __future__ import annotations

import pandas as pd
import pytest

from aralnexus.pathways.casa import casa_check


def _metrics(storage_pct: float) -> pd.DataFrame:
    rows = [
        ("TJ", 2030, "exports_casa_twh", 0.5, "TWh"),
        ("TJ", 2030, "winter_deficit_twh", 1.0, "TWh"),
        ("TJ", 2030, "storage_end_sep_pct_full", storage_pct, "%"),
    ]
    frame = pd.DataFrame(rows, columns=["country", "year", "metric", "value", "unit"])
    return frame.astype({"year": "Int64"})


@pytest.mark.parametrize(("full_pct", "verdict"), [(99.0, "competes_with_winter"), (90.0, "surplus")])
def test_the_full_storage_threshold_is_the_runs_definition(full_pct: float, verdict: str) -> None:
    check = casa_check(_metrics(95.0), "storage", None, full_pct)
    assert check["verdict"].tolist() == [verdict]
