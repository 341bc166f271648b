"""Structural checks of a resolved dataset (default or after a scenario overlay).

Each ``check_*`` function takes a :class:`Dataset` and returns a list of problems whose
``file`` is the dataset table (``plants.csv``) and whose ``field`` is the scenario path of the
value (``plants.rogun.downstream``); the loader points them at the scenario file when the
scenario set that value. :func:`run_checks` runs them all in a fixed order.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from aralnexus.data.dataset import Dataset
from aralnexus.data.definitions import planner_definitions
from aralnexus.errors import Problem
from aralnexus.i18n import N_, _
from aralnexus.scenario.overlay import did_you_mean

_SHARE_TOLERANCE = 1e-3


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or value == ""


def check_plant_references(ds: Dataset) -> list[Problem]:
    """Check that every plant's ``downstream`` is a known plant (or empty at the basin outlet)."""
    problems: list[Problem] = []
    ids = list(ds.plants["plant"])
    for plant, down in zip(ds.plants["plant"], ds.plants["downstream"], strict=True):
        if _missing(down) or down in ids:
            continue
        problems.append(
            Problem(
                "plants.csv",
                f"plants.{plant}.downstream",
                _("the id of a plant downstream (or empty at the basin outlet)"),
                _("{value}, which is not a plant", value=repr(down)),
                did_you_mean(str(down), ids) or _("plants: {ids}", ids=", ".join(ids)),
            )
        )
    return problems


def check_plant_graph(ds: Dataset) -> list[Problem]:
    """Check that the river graph (plant → downstream) has no cycle and no plant is its own downstream."""
    down = {
        p: d for p, d in zip(ds.plants["plant"], ds.plants["downstream"], strict=True) if not _missing(d) and d != ""
    }
    problems: list[Problem] = []
    reported: set[frozenset[str]] = set()
    for start in down:
        path = [start]
        node = down.get(start)
        while node is not None and node not in path:
            path.append(node)
            node = down.get(node)
        if node != start:
            continue
        cycle = frozenset(path)
        if cycle in reported:
            continue
        reported.add(cycle)
        first = min(path)
        i = path.index(first)
        ring = [*path[i:], *path[:i], first]
        found = (
            _("{plant} downstream of itself", plant=repr(first))
            if len(path) == 1
            else _("the cycle {ring}", ring=" → ".join(ring))
        )
        problems.append(
            Problem(
                "plants.csv",
                f"plants.{first}.downstream",
                _("a river graph without cycles (each plant's downstream is further down the river)"),
                found,
                _("set downstream to the next plant down the river, or empty at the basin outlet"),
            )
        )
    return problems


def check_storage(ds: Dataset) -> list[Problem]:
    """Check that dead and initial storage ≤ full storage and the dead level < the full level."""
    problems: list[Problem] = []
    columns = ["storage_dead_hm3", "storage_full_hm3", "storage_initial_hm3", "level_dead_m", "level_full_m"]
    values = ds.plants[columns].to_numpy(dtype=float)
    for plant, (dead, full, init, lo, hi) in zip(ds.plants["plant"], values, strict=True):
        path = f"plants.{plant}"
        if dead > full:
            problems.append(
                Problem(
                    "plants.csv",
                    f"{path}.storage_dead_hm3",
                    _("dead storage at most the full storage ({full} hm3)", full=format(full, "g")),
                    f"{dead:g} hm3",
                )
            )
        elif init > full:
            # Below dead storage is allowed: a dam under construction starts below its final dead level.
            problems.append(
                Problem(
                    "plants.csv",
                    f"{path}.storage_initial_hm3",
                    _("an initial storage at most the full storage ({full} hm3)", full=format(full, "g")),
                    f"{init:g} hm3",
                )
            )
        if not (math.isnan(lo) or math.isnan(hi)) and lo >= hi:
            problems.append(
                Problem(
                    "plants.csv",
                    f"{path}.level_dead_m",
                    _("a level below the full level ({hi} m)", hi=format(hi, "g")),
                    f"{lo:g} m",
                )
            )
    return problems


def check_efficiency(ds: Dataset) -> list[Problem]:
    """Check that plant efficiencies lie in (0, 1]."""
    bad = ds.plants.loc[~((ds.plants["efficiency"] > 0) & (ds.plants["efficiency"] <= 1))]
    return [
        Problem("plants.csv", f"plants.{p}.efficiency", _("an efficiency in (0, 1]"), f"{e:g}")
        for p, e in zip(bad["plant"], bad["efficiency"], strict=True)
    ]


def check_countries(ds: Dataset) -> list[Problem]:
    """Check that plants, thermal plants and links refer to known countries; a link joins two different ones.

    A plant (hydro or thermal) must be in a detailed country: its output enters that country's power
    balance, and a partner market has none.
    """
    codes = list(ds.countries["country"])
    problems: list[Problem] = []
    refs = [
        ("plants", "plants.csv", ds.plants, "plant", ("country",)),
        ("thermal", "thermal.csv", ds.thermal, "plant", ("country",)),
        ("links", "links.csv", ds.links, "link", ("from_country", "to_country")),
    ]
    for section, file, frame, key, columns in refs:
        for column in columns:
            for elem, code in zip(frame[key], frame[column], strict=True):
                if code not in codes:
                    problems.append(
                        Problem(
                            file,
                            f"{section}.{elem}.{column}",
                            _("a country of the dataset ({codes})", codes=", ".join(codes)),
                            repr(code),
                            did_you_mean(str(code), codes),
                        )
                    )
    roles = dict(zip(ds.countries["country"], ds.countries["role"].astype(str).str.strip(), strict=True))
    detailed = [c for c, role in roles.items() if role == "detailed"]
    for section, file, frame, key, _columns in refs[:2]:  # generation feeds a power balance: plants and thermal
        for elem, code in zip(frame[key], frame["country"], strict=True):
            if code in roles and roles[code] != "detailed":
                problems.append(
                    Problem(
                        file,
                        f"{section}.{elem}.country",
                        _("a country with a power balance ({codes})", codes=", ".join(detailed)),
                        _("{code}, a partner market", code=repr(code)),
                    )
                )
    same = ds.links.loc[ds.links["from_country"] == ds.links["to_country"]]
    problems += [
        Problem("links.csv", f"links.{lk}.to_country", _("a country other than from_country"), repr(c))
        for lk, c in zip(same["link"], same["to_country"], strict=True)
    ]
    return problems


def _finite(value: object) -> bool:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isfinite(number)


def check_partner_links(ds: Dataset) -> list[Problem]:
    """Check that every link direction a partner market sells over carries a price and an annual cap.

    A direction imports when it runs from a partner to a detailed country: the forward direction
    of a link whose ``from_country`` is a partner, the backward direction of a ``bidirectional``
    link whose ``to_country`` is one. Such a partner needs ``import_price_usd_per_mwh`` and
    ``import_max_twh`` (else the energy would be free and unlimited), and its import price must be
    at least what it pays for energy over any link (``export_price_usd_per_mwh`` or a link's
    ``tariff_usd_per_mwh``), else buying from it and selling back earns money from nothing.

    A link between two detailed grids trades at its ``tariff_usd_per_mwh``, else at the parameter
    ``bilateral_electricity_price_usd_per_mwh``; that price must be positive (no link trades at zero
    price).
    """
    problems: list[Problem] = []
    roles = dict(zip(ds.countries["country"], ds.countries["role"].astype(str).str.strip(), strict=True))
    problems += _bilateral_price_problems(ds, roles)
    partners = ds.countries[ds.countries["country"].map(roles) == "partner"].set_index("country")
    paid: dict[str, list[tuple[str, float]]] = {}  # partner → (link, price it pays for delivered energy)
    sells: dict[str, list[str]] = {}  # partner → fields of the link directions it sells over
    for row in ds.links.itertuples(index=False):
        a, b, link = str(row.from_country), str(row.to_country), str(row.link)
        if a not in roles or b not in roles or (roles[a] == "partner") == (roles[b] == "partner"):
            continue  # unknown ends are reported by check_countries; two markets or two grids: no trade price
        two_way = bool(row.bidirectional) if not _missing(row.bidirectional) else False
        partner = a if roles[a] == "partner" else b
        if roles[a] == "partner":
            sells.setdefault(partner, []).append(f"links.{link}.from_country")
        elif two_way:
            sells.setdefault(partner, []).append(f"links.{link}.bidirectional")
        if roles[b] == "partner" or two_way:
            tariff = row.tariff_usd_per_mwh
            price = tariff if _finite(tariff) else partners.at[partner, "export_price_usd_per_mwh"]
            if _finite(price):
                paid.setdefault(partner, []).append((link, float(price)))  # type: ignore[arg-type]
    for partner, fields in sells.items():
        price, cap = partners.at[partner, "import_price_usd_per_mwh"], partners.at[partner, "import_max_twh"]
        missing = [
            name for name, value in (("import_price_usd_per_mwh", price), ("import_max_twh", cap)) if not _finite(value)
        ]
        if missing:
            problems.extend(
                Problem(
                    "links.csv",
                    field,
                    _(
                        "imports from {partner} with a price and an annual cap "
                        "(countries.{partner}.import_price_usd_per_mwh, import_max_twh)",
                        partner=partner,
                    ),
                    (
                        _(
                            "no {fields} for {partner}: imports over this link would be free and unlimited",
                            fields=", ".join(missing),
                            partner=partner,
                        )
                        if "import_max_twh" in missing
                        else _(
                            "no {fields} for {partner}: imports over this link would be free",
                            fields=", ".join(missing),
                            partner=partner,
                        )
                    ),
                    _("set {fields}", fields=", ".join(f"countries.{partner}.{name}" for name in missing))
                    + (_(", or bidirectional: false") if field.endswith(".bidirectional") else ""),
                )
                for field in fields
            )
            continue
        channels = paid.get(partner, [])
        sells_at = float(price)  # type: ignore[arg-type]
        if channels:
            link, pays = max(channels, key=lambda lp: lp[1])
            if sells_at < pays:
                problems.append(
                    Problem(
                        "countries.csv",
                        f"countries.{partner}.import_price_usd_per_mwh",
                        _(
                            "an import price at least the price {partner} pays over {link} ({pays} US$/MWh)",
                            partner=partner,
                            link=link,
                            pays=format(pays, "g"),
                        ),
                        _(
                            "{price} US$/MWh: buying from {partner} and selling back would earn money",
                            price=format(sells_at, "g"),
                            partner=partner,
                        ),
                        _(
                            "raise countries.{partner}.import_price_usd_per_mwh or lower the price paid over {link}",
                            partner=partner,
                            link=link,
                        ),
                    )
                )
    return problems


def _bilateral_price_problems(ds: Dataset, roles: dict[str, str]) -> list[Problem]:
    """Return a problem per link between two detailed grids whose trade price is not positive."""
    default = planner_definitions(ds).bilateral_price_usd_per_mwh
    problems = []
    for row in ds.links.itertuples(index=False):
        a, b, link = str(row.from_country), str(row.to_country), str(row.link)
        if roles.get(a) != "detailed" or roles.get(b) != "detailed":
            continue
        tariff = row.tariff_usd_per_mwh
        price, field = (
            (float(tariff), f"links.{link}.tariff_usd_per_mwh")  # type: ignore[arg-type]
            if not _missing(tariff)
            else (default, "parameters.bilateral_electricity_price_usd_per_mwh")
        )
        if not (math.isfinite(price) and price > 0):
            problems.append(
                Problem(
                    "links.csv" if field.startswith("links.") else "parameters.csv",
                    field,
                    _("a positive price for the energy {a} and {b} trade over {link} (US$/MWh)", a=a, b=b, link=link),
                    _("{price}: the link would trade at zero price", price=format(price, "g")),
                    _(
                        "set links.{link}.tariff_usd_per_mwh or parameters.bilateral_electricity_price_usd_per_mwh",
                        link=link,
                    ),
                )
            )
    return problems


def check_schedules(ds: Dataset) -> list[Problem]:
    """Check that schedule rows belong to known plants, have distinct dates, and follow ``in_service``.

    Rows before ``in_service`` with no capacity (e.g. impounding a reservoir) are allowed; the first
    row with capacity must not come before ``in_service``.
    """
    problems: list[Problem] = []
    ids = list(ds.plants["plant"])
    in_service = dict(zip(ds.plants["plant"], ds.plants["in_service"], strict=True))
    for plant, rows in ds.plant_schedule.groupby("plant", sort=True):
        name = str(plant)
        if name not in ids:
            problems.append(
                Problem(
                    "plant_schedule.csv",
                    f"plants.{name}.schedule",
                    _("a schedule of a known plant"),
                    repr(name),
                    did_you_mean(name, ids),
                )
            )
            continue
        dates = sorted(rows["date"])
        dup = sorted({d for d in dates if dates.count(d) > 1})
        if dup:
            problems.append(
                Problem(
                    "plant_schedule.csv",
                    f"plants.{name}.schedule",
                    _("one row per date"),
                    _("{date} twice", date=dup[0]),
                )
            )
        producing = sorted(rows.loc[rows["capacity_mw"] > 0, "date"])
        first = in_service.get(name, "")
        if first and producing and first > producing[0]:
            problems.append(
                Problem(
                    "plants.csv",
                    f"plants.{name}.in_service",
                    _("a month no later than the first schedule date with capacity ({date})", date=producing[0]),
                    repr(first),
                    _("use schedule_shift_months to move the whole schedule, or give a new schedule"),
                )
            )
    return problems


def _headwaters(ds: Dataset) -> list[str]:
    downstream = set(ds.plants["downstream"])
    return [p for p in ds.plants["plant"] if p not in downstream]


def check_inflows(ds: Dataset) -> list[Problem]:
    """Check that inflow sites enter known plants, their series have 12 months, and every headwater has one."""
    problems: list[Problem] = []
    ids = list(ds.plants["plant"])
    months = ds.inflow_monthly.groupby("series")["month"].apply(lambda m: sorted(int(x) for x in m))
    for site, plant, series in zip(
        ds.inflow_sites["site"], ds.inflow_sites["plant"], ds.inflow_sites["base_series"], strict=True
    ):
        if plant not in ids:
            problems.append(
                Problem(
                    "inflow_sites.csv",
                    f"inflows.{site}.plant",
                    _("the id of a plant"),
                    repr(plant),
                    did_you_mean(str(plant), ids),
                )
            )
        if series not in months.index or months[series] != list(range(1, 13)):
            found = _("no such series") if series not in months.index else _("months {months}", months=months[series])
            expected = _("12 monthly values of series {series}", series=repr(series))
            problems.append(Problem("inflow_monthly.csv", f"inflows.{site}", expected, found))
    if check_plant_references(ds) or check_plant_graph(ds):
        return problems  # headwaters are only defined on a sound river graph
    fed = set(ds.inflow_sites["plant"])
    problems += [
        Problem(
            "inflow_sites.csv",
            f"plants.{plant}",
            _("an inflow site for the headwater plant {plant}", plant=repr(plant)),
            _("none"),
            _("add inflows: {{<site>: {{plant: {plant}, mean_m3s: [12 monthly values]}}}}", plant=plant),
        )
        for plant in _headwaters(ds)
        if plant not in fed
    ]
    return problems


def check_min_releases(ds: Dataset) -> list[Problem]:
    """Check that minimum-release points are plants and months lie in 1..12."""
    problems: list[Problem] = []
    ids = list(ds.plants["plant"])
    frame = ds.min_releases
    problems += [
        Problem("min_releases.csv", f"min_releases.{p}", _("the id of a plant"), repr(p), did_you_mean(p, ids))
        for p in sorted(set(frame["point"]) - set(ids))
    ]
    bad = frame.loc[~frame["month"].between(1, 12)]
    problems += [
        Problem("min_releases.csv", f"min_releases.{p}.min_release_m3s", _("a month 1..12"), f"{m:g}")
        for p, m in zip(bad["point"], bad["month"], strict=True)
    ]
    return problems


def check_shares(ds: Dataset) -> list[Problem]:
    """Check that shares splitting a whole (monthly demand, load-block hours, trade mix) sum to 1."""
    problems: list[Problem] = []
    groups: list[tuple[str, pd.Series]] = [
        ("demand_monthly", ds.demand_monthly.groupby("country")["share"].sum()),
        ("trade_composition", ds.trade_composition.groupby("direction")["share"].sum()),
    ]
    if len(ds.load_blocks):
        groups.append(("load_blocks", pd.Series({"hours_share": ds.load_blocks["hours_share"].sum()})))
    for table, sums in groups:
        for key, total in sums.items():
            if abs(float(total) - 1.0) > _SHARE_TOLERANCE:
                problems.append(
                    Problem(
                        f"{table}.csv",
                        f"{table}.{key}",
                        _("shares summing to 1"),
                        _("a sum of {total}", total=format(float(total), ".4g")),
                    )
                )
    return problems


def check_link_periods(ds: Dataset) -> list[Problem]:
    """Check that a link's ``end`` (the last month of its level), where given, is not before its ``start``."""
    if "end" not in ds.links.columns:
        return []
    problems = []
    for link, start, end in zip(ds.links["link"], ds.links["start"], ds.links["end"], strict=True):
        first, last = str(start).strip()[:7], str(end).strip()[:7]
        if last in {"", "nan", "<NA>", "None"} or first in {"", "nan", "<NA>", "None"}:
            continue
        if last < first:
            problems.append(
                Problem(
                    "links.csv",
                    f"links.{link}.end",
                    _("a month not before the start ({start})", start=first),
                    repr(last),
                )
            )
    return problems


#: Objective parameters of ``parameters.csv`` with a range: name → (test, what is expected).
ECONOMICS_RANGES: dict[str, tuple[Callable[[float], bool], str]] = {
    "discount_rate_pct_per_year": (lambda v: 0.0 <= v < 100.0, N_("a rate from 0 to below 100 %/yr")),
    "deficit_segment_depth_pct": (lambda v: 0.0 < v <= 100.0, N_("a share above 0 and at most 100 %")),
    "deficit_deep_cost_factor": (lambda v: v >= 1.0, N_("a factor of at least 1 (deeper shedding costs more)")),
}


def check_economics(ds: Dataset) -> list[Problem]:
    """Check the discount rate and the deficit segments of ``parameters.csv`` (:data:`ECONOMICS_RANGES`)."""
    problems = []
    for name, value in zip(ds.parameters["name"], ds.parameters["value"], strict=True):
        if name not in ECONOMICS_RANGES or _missing(value):
            continue
        test, expected = ECONOMICS_RANGES[str(name)]
        if not test(float(value)):
            problems.append(Problem("parameters.csv", f"parameters.{name}", _(expected), repr(float(value))))
    return problems


CHECKS: tuple[Callable[[Dataset], list[Problem]], ...] = (
    check_plant_references,
    check_plant_graph,
    check_storage,
    check_efficiency,
    check_countries,
    check_partner_links,
    check_link_periods,
    check_schedules,
    check_inflows,
    check_min_releases,
    check_shares,
    check_economics,
)


def run_checks(ds: Dataset) -> list[Problem]:
    """Run every structural check and return all problems found."""
    return [problem for check in CHECKS for problem in check(ds)]
