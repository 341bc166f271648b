"""A small synthetic system with hand-computable numbers (no optimiser needed).

Two detailed countries (KG, TJ), partner markets PK, UZ, KZ; 2025-01 … 2026-12; two load blocks
(peak 200 h per month, offpeak the rest); every monthly quantity is split 30 % / 70 % between the
blocks. See test_metrics_hand_computed.py for the expected values.
"""

from __future__ import annotations

import pandas as pd

from aralnexus.data.dataset import SOURCE_COLUMNS, TABLE_SPECS, Dataset
from aralnexus.results.tables import Convergence, Results
from aralnexus.scenario.model import Scenario, TradeLevers

WINTER = {10, 11, 12, 1, 2, 3}
BLOCKS = (("peak", 0.3), ("offpeak", 0.7))
PEAK_HOURS = 200.0


def _frame(table: str, rows: list[dict[str, object]]) -> pd.DataFrame:
    cols = [c.name for c in TABLE_SPECS[table][1]]
    return pd.DataFrame(rows, columns=cols)


def make_dataset() -> Dataset:
    empty = {name: _frame(name, []) for name in TABLE_SPECS}
    plants = _frame(
        "plants",
        [
            {
                "plant": "toktogul",
                "name": "Toktogul",
                "country": "KG",
                "river": "naryn",
                "capacity_mw": 1200.0,
                "rated_head_m": 140.0,
            },
            {
                "plant": "nurek",
                "name": "Nurek",
                "country": "TJ",
                "river": "vakhsh",
                "capacity_mw": 3000.0,
                "rated_head_m": 223.0,
            },
        ],
    )
    countries = _frame(
        "countries",
        [
            {"country": "KG", "name": "Kyrgyzstan", "role": "detailed"},
            {"country": "TJ", "name": "Tajikistan", "role": "detailed"},
            {"country": "PK", "name": "Pakistan", "role": "partner"},
            {
                "country": "UZ",
                "name": "Uzbekistan",
                "role": "partner",
                "export_price_usd_per_mwh": 20.0,
                "import_price_usd_per_mwh": 35.0,
            },
            {
                "country": "KZ",
                "name": "Kazakhstan",
                "role": "partner",
                "export_price_usd_per_mwh": 25.0,
                "import_price_usd_per_mwh": 30.0,
            },
        ],
    )
    links = _frame(
        "links",
        [
            {
                "link": "datka_khujand",
                "name": "Datka–Khujand 500 kV",
                "from_country": "KG",
                "to_country": "TJ",
                "loss_pct": 0.0,
            },
            {
                "link": "casa1000",
                "name": "CASA-1000",
                "from_country": "TJ",
                "to_country": "PK",
                "loss_pct": 0.0,
                "tariff_usd_per_mwh": 51.5,
            },
            {"link": "tj_uz", "name": "TJ–UZ", "from_country": "TJ", "to_country": "UZ", "loss_pct": 0.0},
            {"link": "kg_kz", "name": "KG–KZ", "from_country": "KG", "to_country": "KZ", "loss_pct": 0.0},
        ],
    )
    thermal = _frame(
        "thermal",
        [
            {"plant": "bishkek_chp", "name": "Bishkek CHP-1", "country": "KG", "capacity_mw": 500.0, "in_service": ""},
            {
                "plant": "dushanbe_chp",
                "name": "Dushanbe-2",
                "country": "TJ",
                "capacity_mw": 400.0,
                "in_service": "2026-01",
            },
        ],
    )
    trade = _frame(
        "trade",
        [
            {"year": 2024, "direction": "total", "value_musd": 11.6},
            {"year": 2025, "direction": "KG_to_TJ", "value_musd": 24.4},
            {"year": 2025, "direction": "TJ_to_KG", "value_musd": 9.0},
            {"year": 2025, "direction": "total", "value_musd": 33.4},
        ],
    )
    composition = _frame(
        "trade_composition",
        [
            {"direction": "KG_to_TJ", "product_group": "fuel", "share": 0.5},
            {"direction": "KG_to_TJ", "product_group": "glass", "share": 0.5},
            {"direction": "TJ_to_KG", "product_group": "cement", "share": 1.0},
        ],
    )
    parameters = _frame(
        "parameters",
        [{"name": "bilateral_electricity_price_usd_per_mwh", "value": 30.0, "unit": "US$/MWh", "description": "test"}],
    )
    empty.update(
        plants=plants,
        countries=countries,
        links=links,
        thermal=thermal,
        trade=trade,
        trade_composition=composition,
        parameters=parameters,
    )
    return Dataset(**empty, sources=pd.DataFrame(columns=list(SOURCE_COLUMNS)))


def make_scenario(levers: TradeLevers | None = None) -> Scenario:
    levers = levers or TradeLevers(growth_pct_per_year=10.0, transit_eaeu_musd=20.0, border_flights_musd=10.0)
    return Scenario(
        name="synthetic",
        description="",
        file="<test>",
        content_hash="x",
        dataset=make_dataset(),
        start="2025-01",
        end="2026-12",
        trade=levers,
    )


def _months() -> pd.DataFrame:
    time = pd.date_range("2025-01-01", "2026-12-01", freq="MS")
    return pd.DataFrame({"stage": range(len(time)), "time": time, "year": time.year, "month": time.month})


def _steps() -> pd.DataFrame:
    rows = []
    for m in _months().itertuples():
        hours = m.time.days_in_month * 24.0
        for i, (block, share) in enumerate(BLOCKS):
            dur = PEAK_HOURS if block == "peak" else hours - PEAK_HOURS
            rows.append(
                {
                    "step": 2 * m.stage + i,
                    "time": m.time,
                    "year": m.year,
                    "month": m.month,
                    "block": block,
                    "duration_h": dur,
                    "share": share,
                }
            )
    return pd.DataFrame(rows)


# Monthly energy (MWh) per country: (winter, summer)
COUNTRY_MONTHLY = {
    "KG": {
        "demand": (1.5e6, 0.8e6),
        "hydro": (1.0e6, 1.2e6),
        "thermal": (0.2e6, 0.0),
        "unserved": (0.1e6, 0.0),
        "imports": (0.2e6, 0.0),
    },
    "TJ": {
        "demand": (2.0e6, 1.5e6),
        "hydro": (1.6e6, 2.5e6),
        "thermal": (0.3e6, 0.0),
        "unserved": (0.0, 0.0),
        "imports": (0.05e6, 0.0),
    },
}


def _link_monthly(link: str, month: int) -> float:
    """Signed monthly energy (MWh) at the sending end."""
    if link == "casa1000":
        return 5e5 if 5 <= month <= 9 else 0.0
    if link == "datka_khujand":
        return 2e5 if 5 <= month <= 9 else (-5e4 if month in WINTER else 0.0)
    if link == "kg_kz":
        return 1e5 if 6 <= month <= 8 else (-8e4 if month in {11, 12, 1, 2} else 0.0)
    if link == "tj_uz":
        return 3e5 if 5 <= month <= 8 else 0.0
    return 0.0


def make_results() -> Results:
    steps = _steps()
    crows, prow, lrows = [], [], []
    for s in steps.itertuples():
        season = 0 if s.month in WINTER else 1
        for country, q in COUNTRY_MONTHLY.items():
            crows.append(
                {
                    "step": s.step,
                    "time": s.time,
                    "year": s.year,
                    "month": s.month,
                    "block": s.block,
                    "duration_h": s.duration_h,
                    "country": country,
                    **{f"{k}_mwh": v[season] * s.share for k, v in q.items()},
                    "served_mwh": 0.0,
                    "exports_mwh": 0.0,
                    "price_usd_per_mwh": 0.0,
                }
            )
        for plant, country, cap, rated in (("toktogul", "KG", 1200.0, 140.0), ("nurek", "TJ", 3000.0, 223.0)):
            head = 0.9 * rated if (plant == "toktogul" and s.month == 1) else rated
            prow.append(
                {
                    "step": s.step,
                    "time": s.time,
                    "year": s.year,
                    "month": s.month,
                    "block": s.block,
                    "duration_h": s.duration_h,
                    "plant": plant,
                    "country": country,
                    "river": "",
                    "turbined_m3s": 0.0,
                    "spilled_m3s": 0.0,
                    "inflow_m3s": 0.0,
                    "storage_hm3": 0.0,
                    "level_m": 0.0,
                    "head_m": head,
                    "power_mw": 0.0,
                    "energy_mwh": 0.0,
                    "capacity_mw": cap,
                }
            )
        for link, f, t in (
            ("datka_khujand", "KG", "TJ"),
            ("casa1000", "TJ", "PK"),
            ("tj_uz", "TJ", "UZ"),
            ("kg_kz", "KG", "KZ"),
        ):
            e = _link_monthly(link, s.month) * s.share
            lrows.append(
                {
                    "step": s.step,
                    "time": s.time,
                    "year": s.year,
                    "month": s.month,
                    "block": s.block,
                    "duration_h": s.duration_h,
                    "link": link,
                    "from_country": f,
                    "to_country": t,
                    "flow_mw": e / s.duration_h,
                    "energy_mwh": e,
                    "capacity_mw": 1300.0,
                    "revenue_usd": 0.0,
                }
            )
    months = _months()
    rrows, relrows = [], []
    for m in months.itertuples():
        tok = 19000.0 if m.month == 9 else 15000.0
        rrows.append(
            {
                "time": m.time,
                "year": m.year,
                "month": m.month,
                "plant": "toktogul",
                "storage_hm3": tok,
                "storage_min_hm3": 5500.0,
                "storage_max_hm3": 19500.0,
                "level_m": 0.0,
                "water_value_usd_per_1000m3": 0.0,
                "water_value_usd_per_mwh": 0.0,
            }
        )
        nur = 10500.0 if m.month == 9 else 8000.0
        rrows.append(
            {
                "time": m.time,
                "year": m.year,
                "month": m.month,
                "plant": "nurek",
                "storage_hm3": nur,
                "storage_min_hm3": 5000.0,
                "storage_max_hm3": 10500.0,
                "level_m": 0.0,
                "water_value_usd_per_1000m3": 0.0,
                "water_value_usd_per_mwh": 0.0,
            }
        )
        if 4 <= m.month <= 9:
            released = 450.0 if m.month == 7 else 500.0
            short = 500.0 - released
            hm3 = short * m.time.days_in_month * 24 * 0.0036
            relrows.append(
                {
                    "time": m.time,
                    "year": m.year,
                    "month": m.month,
                    "point": "toktogul",
                    "agreement": "irrigation",
                    "required_m3s": 500.0,
                    "released_m3s": released,
                    "shortfall_m3s": short,
                    "shortfall_cost_usd": hm3 * 10_000.0,
                }
            )
    return Results(
        plants=pd.DataFrame(prow),
        countries=pd.DataFrame(crows),
        links=pd.DataFrame(lrows),
        reservoirs=pd.DataFrame(rrows),
        releases=pd.DataFrame(relrows),
        objective=pd.DataFrame({"term": ["total"], "value_musd": [0.0]}),
        violations=pd.DataFrame(columns=["constraint", "element", "period", "amount", "unit"]),
        convergence=Convergence("fixed", 1, 0.0, 1.0, True),
    )


def fake_optimiser(
    scenario: Scenario, inflows: object = None, start: str | None = None, end: str | None = None
) -> Results:
    """Return the synthetic results whatever the scenario (for runner and CLI tests)."""
    return make_results()


def fake_inflows(scenario: Scenario, start: str, end: str) -> None:
    return None
