"""A small dataset with the derived monthly shapes (DRV-N, DRV-V) and the default inflow sites.

Used until the default dataset CSVs exist; only the inflow tables matter to the hydrology.
"""

from __future__ import annotations

from dataclasses import fields

import pandas as pd

from aralnexus.data.dataset import TABLE_SPECS, Dataset

TOKTOGUL_M3S = (160, 150, 180, 330, 650, 850, 760, 560, 380, 250, 210, 180)  # DRV-N-01..12
NUREK_M3S = (165, 150, 200, 450, 850, 1145, 1680, 1450, 650, 370, 250, 200)  # DRV-V-01..12

SITES = [
    ("kambarata1_headwater", "naryn", "kambarata1", "headwater", "toktogul_inflow", 0.78, ""),
    ("toktogul_lateral", "naryn", "toktogul", "lateral", "toktogul_inflow", 0.22, "16936"),
    ("naryn_lower_lateral", "naryn", "shamaldysay", "lateral", "toktogul_inflow", 0.114, ""),
    ("rogun_headwater", "vakhsh", "rogun", "headwater", "nurek_inflow", 1.0, ""),
    ("nurek_lateral", "vakhsh", "nurek", "lateral", "nurek_inflow", 0.02, "17084"),
]


def fixture_dataset() -> Dataset:
    """Return a Dataset whose inflow tables follow the derived shapes; other tables are empty."""
    tables: dict[str, pd.DataFrame] = {}
    for f in fields(Dataset):
        if f.name == "sources":
            continue
        _, specs = TABLE_SPECS[f.name]
        tables[f.name] = pd.DataFrame(columns=[s.name for s in specs])
    tables["inflow_sites"] = pd.DataFrame(
        SITES, columns=["site", "river", "plant", "kind", "base_series", "share", "gauge"]
    )
    rows = [("toktogul_inflow", m + 1, float(v)) for m, v in enumerate(TOKTOGUL_M3S)]
    rows += [("nurek_inflow", m + 1, float(v)) for m, v in enumerate(NUREK_M3S)]
    tables["inflow_monthly"] = pd.DataFrame(rows, columns=["series", "month", "mean_m3s"])
    return Dataset(**tables, sources=pd.DataFrame())
