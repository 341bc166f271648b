"""Scenario test helpers: a small dataset with the default's ids, paths, and a skip marker."""

from __future__ import annotations

from pathlib import Path

import pytest

from aralnexus.data.dataset import default_dir

HERE = Path(__file__).parent
EXAMPLES = HERE.parents[1] / "examples"

_MONTHS = range(1, 13)
_TABLES: dict[str, str] = {
    "plants": """\
plant,name,country,river,downstream,capacity_mw,units,turbine_max_m3s,efficiency,storage_dead_hm3,storage_full_hm3,storage_initial_hm3,level_dead_m,level_full_m,curve_exponent,tailwater_m,rated_head_m,mean_generation_twh,in_service
kambarata1,Kambarata-1,KG,naryn,toktogul,1860,4,700,0.9,1000,5400,1000,1100,1190,1.5,,190,5.6,2031-01
toktogul,Toktogul,KG,naryn,kurpsai,1440,4,800,0.9,5500,19500,12000,820,900,1.5,,140,4.4,1975-01
kurpsai,Kurpsai,KG,naryn,,800,4,900,0.9,300,370,350,,,,,100,2.6,1982-01
rogun,Rogun,TJ,vakhsh,nurek,3780,6,1500,0.9,3000,13300,3500,1100,1290,1.6,,260,14.5,2018-11
nurek,Nurek,TJ,vakhsh,,3300,9,1600,0.9,4500,10500,8000,857,910,1.5,650,200,11.0,1972-01
""",
    "plant_schedule": """\
plant,date,capacity_mw,storage_full_hm3,level_full_m
rogun,2018-11,120,1000,1000
rogun,2025-01,600,2000,1050
rogun,2028-01,1800,8000,1200
rogun,2030-01,3780,13300,1290
kambarata1,2030-05,0,2530,1130
kambarata1,2031-01,900,5400,1190
kambarata1,2032-01,1860,5400,1190
""",
    "inflow_sites": """\
site,river,plant,kind,base_series,share,gauge
kambarata1_headwater,naryn,kambarata1,headwater,toktogul_inflow,0.9,
toktogul_lateral,naryn,toktogul,lateral,toktogul_inflow,0.1,
rogun_headwater,vakhsh,rogun,headwater,nurek_inflow,0.95,
nurek_lateral,vakhsh,nurek,lateral,nurek_inflow,0.05,
""",
    "inflow_monthly": "series,month,mean_m3s\n"
    + "".join(f"toktogul_inflow,{m},{150 + 60 * (6 <= m <= 8) * m}\n" for m in _MONTHS)
    + "".join(f"nurek_inflow,{m},{200 + 100 * (5 <= m <= 9) * m}\n" for m in _MONTHS),
    "min_releases": "point,month,min_release_m3s,agreement,strict,penalty_usd_per_hm3\n"
    + "".join(f"toktogul,{m},{300 if 5 <= m <= 8 else 100},irrigation,false,5000\n" for m in _MONTHS)
    + "".join(f"nurek,{m},{400 if 5 <= m <= 8 else 150},irrigation,true,0\n" for m in _MONTHS),
    "countries": """\
country,name,role,demand_base_twh,base_year,demand_growth_pct_per_year,peak_demand_mw,voll_usd_per_mwh,import_price_usd_per_mwh,export_price_usd_per_mwh,import_max_twh
KG,Kyrgyzstan,detailed,17.5,2024,3.0,3800,500,60,40,
TJ,Tajikistan,detailed,21.0,2024,3.5,4200,500,55,40,
PK,Pakistan,partner,,,,,,,51.5,
AF,Afghanistan,partner,,,,,,,45,
KZ,Kazakhstan,partner,,,,,,70,35,3
""",
    "demand_monthly": "country,month,share\n"
    + "".join(f"{c},{m},{1 / 12:.12f}\n" for c in ("KG", "TJ") for m in _MONTHS),
    "load_blocks": "block,hours_share,load_factor\npeak,0.2,1.3\nshoulder,0.5,1.0\noffpeak,0.3,0.8\n",
    "thermal": """\
plant,name,country,capacity_mw,cost_usd_per_mwh,in_service
bishkek_chp1,Bishkek CHP-1,KG,600,60,
dushanbe2_chp,Dushanbe CHP-2,TJ,400,55,2016-01
""",
    "links": """\
link,name,from_country,to_country,capacity_mw,loss_pct,months,start,bidirectional,tariff_usd_per_mwh
casa1000_pk,CASA-1000 to Pakistan,TJ,PK,1300,4,5-9,2028-05,false,51.5
casa1000_af,CASA-1000 to Afghanistan,TJ,AF,300,3,5-9,2028-05,false,45
datka_khujand,Datka–Khujand 500 kV,KG,TJ,800,2,1-12,2024-01,true,30
kg_kz,Kyrgyzstan–Kazakhstan,KG,KZ,700,2,1-12,2000-01,true,
""",
    "trade": """\
year,direction,value_musd
2023,KG_to_TJ,5.5
2023,TJ_to_KG,6.0
2023,total,11.5
""",
    "trade_composition": """\
direction,product_group,share
KG_to_TJ,food,0.6
KG_to_TJ,other,0.4
TJ_to_KG,food,0.7
TJ_to_KG,other,0.3
""",
    "parameters": """\
name,value,unit,description
water_value_end_usd_per_hm3,2000,US$/hm3,value of water left in storage
head_tolerance_m,0.5,m,head iteration tolerance
head_max_iterations,20,-,head iteration limit
lookahead_months,12,months,months optimised beyond the horizon end
discount_rate_pct_per_year,0,%/yr,real discount rate of the objective
deficit_segment_depth_pct,100,%,depth of the first deficit segment
deficit_deep_cost_factor,1,-,cost of deeper shedding as a multiple of the value of lost load
""",
    "sources": """\
table,element,attribute,value,kind,source,note
plants,rogun,capacity_mw,3780,sourced,VAK-027 https://example.org,
plants,toktogul,capacity_mw,1440,sourced,NAR-001 https://example.org,
""",
}


def write_dataset(folder: Path) -> Path:
    """Write the small fixture dataset into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in _TABLES.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def default_available() -> bool:
    """Whether the built-in default dataset has been written yet."""
    return (default_dir() / "plants.csv").is_file()


needs_default = pytest.mark.skipif(not default_available(), reason="default dataset CSVs not written yet")
