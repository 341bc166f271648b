"""Planner definitions read from the dataset, once: seasons, CASA-1000, the bilateral pair, targets, thresholds.

Every metric, view and report sentence that needs "winter", "the CASA-1000 links", "the two
countries" or "the trade target" takes them from :func:`planner_definitions`; a run records them
(:meth:`PlannerDefinitions.to_record`) so that a stored run is read with the definitions it was
computed with.

Seasons
-------
Winter runs from ``winter_first_month`` of year Y to ``winter_last_month`` of Y+1 and is labelled Y
("winter Y/Y+1"); a winter counts only when all its months lie inside the run. The vegetation
(irrigation) season runs from ``vegetation_first_month`` to ``vegetation_last_month`` of one
calendar year.

CASA-1000
---------
A link is a CASA-1000 export link when its id starts with ``casa`` or its name contains ``CASA``,
and it leads out of the detailed countries (the Datka–Khujand line between them is its feeder,
not an export).

Water-for-energy swaps
----------------------
A partner market is a swap partner when it trades both ways with the detailed countries: it has an
export price (it buys their summer energy) and an import price (it sells them winter energy).
A market that only buys (Afghanistan, Pakistan) or only sells (Turkmenistan, Russia) cannot take
summer energy back as winter energy. In the default data these are Kazakhstan and Uzbekistan, the
parties of the Syr Darya barter (ELE-074).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from aralnexus.data.dataset import Dataset

#: Fallbacks when a (user) dataset lacks a parameter: the default dataset's values.
_FALLBACK: dict[str, float] = {
    "winter_first_month": 10,
    "winter_last_month": 3,
    "vegetation_first_month": 4,
    "vegetation_last_month": 9,
    "trade_target_musd": 500.0,  # TRD-001
    "trade_target_year": 2030,  # TRD-001
    "winter_deficit_threshold_twh": 1.0,
    "casa_surplus_full_pct": 99.0,
    "bilateral_electricity_price_usd_per_mwh": 25.0,  # XB-035
    "casa1000_kg_share": 0.30,  # XB-018
}


#: Swap partners of a stored run whose record predates :attr:`PlannerDefinitions.swap_partners`.
_SWAP_PARTNERS_BEFORE_RECORDED: tuple[str, ...] = ("KZ", "UZ")


def month_span(first: int, last: int) -> tuple[int, ...]:
    """Return the calendar months from ``first`` to ``last`` inclusive, wrapping over December."""
    if first <= last:
        return tuple(range(first, last + 1))
    return (*range(first, 13), *range(1, last + 1))


@dataclass(frozen=True)
class PlannerDefinitions:
    """What the planner metrics mean for one dataset.

    Parameters
    ----------
    winter_months
        Calendar months of winter in order (October–March by default).
    vegetation_months
        Calendar months of the vegetation season (April–September by default).
    casa_links
        Ids of the CASA-1000 export links.
    pair
        The two detailed countries whose bilateral trade the target is about (sorted codes).
    trade_target_musd, trade_target_year
        Bilateral turnover target and its year.
    winter_deficit_threshold_twh
        Winter deficit above which a winter counts as short.
    casa_surplus_full_pct
        End-of-September storage (percent of the storage allowed then) counted as full.
    bilateral_price_usd_per_mwh
        Price of electricity traded between the pair on a link without a tariff.
    casa_contract_feeder_share
        Share of CASA-1000 exports credited to the feeding country under the ``contract`` rule
        (Kyrgyzstan 30 %, XB-018).
    casa_rule
        How CASA-1000 energy is attributed between the pair: ``flow`` or ``contract`` (a run option,
        see :mod:`aralnexus.metrics.flows`).
    swap_partners
        Partner markets whose summer-for-winter exchanges count as water-for-energy swaps (sorted
        codes; see the module notes).
    """

    winter_months: tuple[int, ...]
    vegetation_months: tuple[int, ...]
    casa_links: tuple[str, ...]
    pair: tuple[str, ...]
    trade_target_musd: float
    trade_target_year: int
    winter_deficit_threshold_twh: float
    casa_surplus_full_pct: float
    bilateral_price_usd_per_mwh: float
    casa_contract_feeder_share: float
    casa_rule: str = "flow"
    swap_partners: tuple[str, ...] = ()

    @property
    def pair_label(self) -> str:
        """The pseudo-country of bilateral rows, e.g. ``KG-TJ``."""
        return "-".join(self.pair)

    def winter_label(self, year: npt.ArrayLike, month: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Return the winter (start year) of each (year, month), ``-1`` outside winter."""
        y = np.asarray(year, dtype=np.int64)
        m = np.asarray(month, dtype=np.int64)
        first = self.winter_months[0]
        start_year = np.where(m >= first, y, y - 1) if first > self.winter_months[-1] else y
        out: npt.NDArray[np.int64] = np.where(np.isin(m, self.winter_months), start_year, -1)
        return out

    def complete_winters(self, year: npt.ArrayLike, month: npt.ArrayLike) -> list[int]:
        """Return the winters (start years) whose months all appear among the given (year, month) pairs."""
        label = self.winter_label(year, month)
        m = np.asarray(month, dtype=np.int64)
        winters = np.unique(label[label >= 0])  # a handful of winters, not time steps
        return [int(w) for w in winters if len(np.unique(m[label == w])) == len(self.winter_months)]

    def to_record(self) -> str:
        """Return the definitions as JSON (stored with each run)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_record(cls, text: str | dict[str, Any]) -> PlannerDefinitions:
        """Rebuild definitions from :meth:`to_record`'s JSON (or its parsed dict)."""
        raw = json.loads(text) if isinstance(text, str) else dict(text)
        return cls(
            winter_months=tuple(int(m) for m in raw["winter_months"]),
            vegetation_months=tuple(int(m) for m in raw["vegetation_months"]),
            casa_links=tuple(str(link) for link in raw["casa_links"]),
            pair=tuple(str(c) for c in raw["pair"]),
            trade_target_musd=float(raw["trade_target_musd"]),
            trade_target_year=int(raw["trade_target_year"]),
            winter_deficit_threshold_twh=float(raw["winter_deficit_threshold_twh"]),
            casa_surplus_full_pct=float(raw["casa_surplus_full_pct"]),
            bilateral_price_usd_per_mwh=float(raw["bilateral_price_usd_per_mwh"]),
            casa_contract_feeder_share=float(raw["casa_contract_feeder_share"]),
            casa_rule=str(raw.get("casa_rule", "flow")),
            # runs stored before the swap partners were recorded computed their swaps with KZ and UZ
            swap_partners=tuple(str(c) for c in raw.get("swap_partners", _SWAP_PARTNERS_BEFORE_RECORDED)),
        )


def _parameter(dataset: Dataset, name: str) -> float:
    try:
        return dataset.parameter(name)
    except KeyError:
        return _FALLBACK[name]


def detailed_countries(dataset: Dataset) -> list[str]:
    """Return the countries modelled in detail (own demand and plants), sorted."""
    countries = dataset.countries
    return sorted(countries.loc[countries["role"] == "detailed", "country"].astype(str))


def swap_partners(dataset: Dataset) -> list[str]:
    """Return the partner markets that both buy from and sell to the detailed countries, sorted."""
    countries = dataset.countries
    partner = countries["role"] == "partner"
    both_ways = countries["export_price_usd_per_mwh"].notna() & countries["import_price_usd_per_mwh"].notna()
    return sorted(countries.loc[partner & both_ways, "country"].astype(str))


def casa_links(dataset: Dataset) -> list[str]:
    """Return the ids of the CASA-1000 export links (see the module notes), sorted."""
    links = dataset.links
    ids = links["link"].astype(str)
    named = ids.str.lower().str.startswith("casa") | links["name"].astype(str).str.upper().str.contains("CASA")
    detailed = detailed_countries(dataset)
    internal = links["from_country"].isin(detailed) & links["to_country"].isin(detailed)
    return sorted(ids[named & ~internal])


def planner_definitions(dataset: Dataset) -> PlannerDefinitions:
    """Read the planner definitions from ``dataset`` (parameters ``winter_first_month`` …, links, countries)."""
    winter = month_span(int(_parameter(dataset, "winter_first_month")), int(_parameter(dataset, "winter_last_month")))
    vegetation = month_span(
        int(_parameter(dataset, "vegetation_first_month")), int(_parameter(dataset, "vegetation_last_month"))
    )
    return PlannerDefinitions(
        winter_months=winter,
        vegetation_months=vegetation,
        casa_links=tuple(casa_links(dataset)),
        pair=tuple(detailed_countries(dataset)),
        trade_target_musd=float(_parameter(dataset, "trade_target_musd")),
        trade_target_year=int(_parameter(dataset, "trade_target_year")),
        winter_deficit_threshold_twh=float(_parameter(dataset, "winter_deficit_threshold_twh")),
        casa_surplus_full_pct=float(_parameter(dataset, "casa_surplus_full_pct")),
        bilateral_price_usd_per_mwh=float(_parameter(dataset, "bilateral_electricity_price_usd_per_mwh")),
        casa_contract_feeder_share=float(_parameter(dataset, "casa1000_kg_share")),
        swap_partners=tuple(swap_partners(dataset)),
    )
