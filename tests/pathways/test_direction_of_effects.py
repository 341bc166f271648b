"""Direction of effects on the default system, with the real optimiser (shortened horizons).

The LP re-optimises the whole horizon with perfect foresight, so a single winter or a single
country's revenue can move either way when a scenario changes (imports at a flat price are a
close substitute for stored water). The planning claims are therefore checked on horizon totals:
Kyrgyzstan's winter deficit summed over the complete winters, export revenue summed over the years
and both countries.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aralnexus.pathways import PathwayResult, run_pathway

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TOL_TWH = 0.01
TOL_MUSD = 0.5

pytestmark = pytest.mark.slow


def _total(result: PathwayResult, metric: str, country: str | None = None) -> float:
    m = result.metrics
    m = m[(m["metric"] == metric) & m["year"].notna()]
    if country is not None:
        m = m[m["country"] == country]
    return float(m["value"].sum())


def test_adding_kambarata1_never_raises_kyrgyz_winter_deficit():
    horizon = {"start": "2029-01", "end": "2034-12"}
    without = run_pathway(EXAMPLES / "kambarata1_not_built.yaml", **horizon)
    built = run_pathway(EXAMPLES / "kambarata1_built.yaml", **horizon)
    assert _total(built, "winter_deficit_twh", "KG") <= _total(without, "winter_deficit_twh", "KG") + TOL_TWH


def test_a_drier_hydrology_never_lowers_kyrgyz_winter_deficit():
    horizon = {"start": "2025-01", "end": "2028-12"}
    median = run_pathway("default", **horizon)
    dry = run_pathway(EXAMPLES / "dry_hydrology.yaml", **horizon)
    assert dry.scenario.hydrology.kind == "dry"
    assert _total(dry, "winter_deficit_twh", "KG") >= _total(median, "winter_deficit_twh", "KG") - TOL_TWH


def test_delaying_casa1000_never_raises_export_revenue():
    horizon = {"start": "2026-01", "end": "2031-12"}
    early = run_pathway(EXAMPLES / "casa1000_2027.yaml", **horizon)
    late = run_pathway(EXAMPLES / "casa1000_2030.yaml", **horizon)
    assert _total(late, "export_revenue_musd") <= _total(early, "export_revenue_musd") + TOL_MUSD
    assert _total(late, "export_revenue_casa_musd") <= _total(early, "export_revenue_casa_musd") + TOL_MUSD
    # before 2030 the delayed scenario sells nothing over CASA-1000
    m = late.metrics
    pre = m[(m["metric"] == "exports_casa_twh") & (m["year"] < 2030)]
    assert pre["value"].abs().max() == pytest.approx(0.0, abs=1e-9)
