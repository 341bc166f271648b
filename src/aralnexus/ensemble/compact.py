"""A member's compact tables straight from its LP solution, with the bookkeeping done once per variant.

:func:`aralnexus.ensemble.outputs.reference_tables` builds the full ``Results``
(``dispatch.extract``) and runs every pathway metric (``pathways.runner.evaluate``), then keeps a
few dozen rows: most of the 0.3–1 s it costs per member goes to pandas overhead on tables that
are dropped. :class:`CompactExtractor` computes the same ``members`` summary, the
:data:`~aralnexus.ensemble.outputs.ENSEMBLE_METRICS` rows, trade turnover and the fan-chart
storage with numpy. Everything that depends on the variant only (calendar groupings, complete
winters, link ends, prices and losses, release-point owners, the goods-and-levers part of trade
turnover) is prepared once, when a worker builds the variant's LP.

The arithmetic follows the reference code term by term (same formulas, same CASA-1000 ``flow``
attribution, same grouping keys); only the order of additions inside group sums may differ, so
values agree to rounding (``tests/ensemble/test_compact_tables.py`` holds it to 1e-12 relative).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from aralnexus.data.dataset import Dataset
from aralnexus.dispatch import names as n
from aralnexus.dispatch.linearise import Linearisation, linearised_power_mw
from aralnexus.dispatch.objective import objective_terms, power_coefficients
from aralnexus.dispatch.solve import LPSolution
from aralnexus.dispatch.water import K
from aralnexus.pathways.exports import bilateral_price_usd_per_mwh, casa_links, detailed_countries
from aralnexus.pathways.metrics import TWH_PER_MWH
from aralnexus.pathways.seasons import VEGETATION_MONTHS, WINTER_MONTHS
from aralnexus.pathways.trade import observed_trade, project_trade, trade_target, turnover_by_year
from aralnexus.results.solution import SLACK_TOL
from aralnexus.scenario.model import Scenario
from aralnexus.store.summary import WINTER_MONTHS as SUMMARY_WINTER_MONTHS
from aralnexus.system.network import partner_index
from aralnexus.system.system import System
from aralnexus.units import HM3_PER_M3S_HOUR, MWH_PER_TWH, USD_PER_MUSD

Array = npt.NDArray[np.float64]
Index = npt.NDArray[np.int64]
Summary = dict[str, float | int | None]

CASA, BILATERAL, PARTNER = 0, 1, 2
#: Export metrics kept per member: name → (flow column, channel or None for all, side, unit).
_FLOW_METRICS: tuple[tuple[str, str, int | None, str, str], ...] = (
    ("exports_twh", "energy", None, "exporter", "TWh"),
    ("exports_casa_twh", "energy", CASA, "exporter", "TWh"),
    ("export_revenue_musd", "revenue", None, "exporter", "US$ million"),
    ("export_revenue_casa_musd", "revenue", CASA, "exporter", "US$ million"),
    ("imports_twh", "received", None, "importer", "TWh"),
)


def _year_codes(years: Index) -> tuple[list[int], Index]:
    """Return the sorted distinct years and each entry's position among them (a groupby key)."""
    uniques, inverse = np.unique(years, return_inverse=True)
    return [int(y) for y in uniques], inverse.astype(np.int64)


def _group_sum(index: Index, values: Array, size: int) -> Array:
    """Sum ``values`` (rows first) into ``size`` groups; ``values`` may be ``(rows,)`` or ``(rows, k)``."""
    out = np.zeros((size, *values.shape[1:]))
    np.add.at(out, index, values)
    return out


class _Rows:
    """Long rows ``country, year, metric, value, unit`` collected as lists, turned into one frame."""

    def __init__(self) -> None:
        self.country: list[str] = []
        self.year: list[int] = []
        self.metric: list[str] = []
        self.value: list[float] = []
        self.unit: list[str] = []

    def add(self, country: str, year: int, metric: str, value: float, unit: str) -> None:
        self.country.append(country)
        self.year.append(int(year))
        self.metric.append(metric)
        self.value.append(float(value))
        self.unit.append(unit)

    def table(self) -> pa.Table:
        return pa.table(
            {
                "country": pa.array(self.country, pa.string()),
                "year": pa.array(self.year, pa.int64()),
                "metric": pa.array(self.metric, pa.string()),
                "value": pa.array(self.value, pa.float64()),
                "unit": pa.array(self.unit, pa.string()),
            }
        )


class CompactExtractor:
    """Turn one variant's LP solutions into ``(summary, metrics, storage)``, as the reference path does.

    Parameters
    ----------
    scenario, system, layout
        The variant, its reported System and LP layout (``MemberSolver.system`` and ``.layout``).
    fan_reservoirs
        Plants whose end-of-stage storage is returned.
    """

    def __init__(self, scenario: Scenario, system: System, layout: n.Layout, fan_reservoirs: tuple[str, ...]) -> None:
        self.system, self.layout = system, layout
        dataset = scenario.dataset
        cal = system.calendar
        steps, stages = cal.steps, cal.stages
        self.st = cal.step_stage
        self.dur = cal.duration_h[:, None]
        year_t = steps["year"].to_numpy(dtype=np.int64)
        month_t = steps["month"].to_numpy(dtype=np.int64)
        self.countries = tuple(system.countries.detailed)
        self.keep = set(detailed_countries(dataset))  # evaluate() keeps these countries' metrics
        # calendar years and complete winters (winter Y = October Y – March Y+1) of the steps
        self.years, self.year_idx = _year_codes(year_t)
        winter_t = np.where(month_t >= 10, year_t, np.where(month_t <= 3, year_t - 1, -1))
        complete = [
            int(w) for w in np.unique(winter_t[winter_t >= 0]) if len(set(month_t[winter_t == w])) == len(WINTER_MONTHS)
        ]
        self.winters = complete
        in_winter = np.isin(winter_t, complete)
        self.winter_steps = np.flatnonzero(in_winter)
        self.winter_idx = np.searchsorted(complete, winter_t[in_winter]).astype(np.int64)
        self.summary_winter = np.isin(month_t, SUMMARY_WINTER_MONTHS)
        self.demand_mwh = system.countries.demand_mw * self.dur
        # violations are counted per (element, month): month codes of steps and stages
        step_time = pd.DatetimeIndex(steps["time"])
        stage_time = pd.DatetimeIndex(stages["time"])
        self.step_period = (step_time.year * 100 + step_time.month).to_numpy(dtype=np.int64)
        self.stage_period = (stage_time.year * 100 + stage_time.month).to_numpy(dtype=np.int64)
        self._links(dataset)
        self._reservoirs(dataset, stages, fan_reservoirs)
        self._releases(dataset)
        self._trade(scenario, self.years)

    # -- variant-level preparation ---------------------------------------------------------------
    def _links(self, dataset: Dataset) -> None:
        lk = self.system.links
        names = [*self.system.countries.detailed, *self.system.countries.partners]
        self.country_names = np.array(names, dtype=object)
        n_det = len(self.system.countries.detailed)
        # link ends: detailed country i → i, partner −1 − j → n_det + j (positions in country_names)
        self.from_code = np.where(lk.from_end >= 0, lk.from_end, n_det + partner_index(lk.from_end)).astype(np.int64)
        self.to_code = np.where(lk.to_end >= 0, lk.to_end, n_det + partner_index(lk.to_end)).astype(np.int64)
        detailed = detailed_countries(dataset)
        self.flow_detailed = np.isin(self.country_names, detailed)  # link_flows' notion of "detailed"
        self.summary_detailed = np.isin(self.country_names, list(self.system.countries.detailed))
        table = dataset.links.set_index("link")
        ids = pd.Index(lk.ids)
        self.loss = table["loss_pct"].reindex(ids).astype("float64").fillna(0.0).to_numpy() / 100.0
        self.tariff = table["tariff_usd_per_mwh"].reindex(ids).astype("float64").to_numpy()
        self.is_casa = np.isin(np.array(lk.ids, dtype=object), casa_links(dataset))
        prices = dataset.countries.set_index("country")
        self.export_price = prices["export_price_usd_per_mwh"].reindex(names).astype("float64").to_numpy()
        self.import_price = prices["import_price_usd_per_mwh"].reindex(names).astype("float64").to_numpy()
        self.bilateral_price = bilateral_price_usd_per_mwh(dataset)
        self.keep_codes = [i for i, c in enumerate(names) if c in self.keep]

    def _reservoirs(self, dataset: Dataset, stages: pd.DataFrame, fan: tuple[str, ...]) -> None:
        staging = self.system.staging
        plants = self.system.plants["plant"].to_numpy(dtype=object)
        self.res = np.flatnonzero((staging.storage_max_hm3 > 0).any(axis=0))
        self.span = (staging.storage_max_hm3 - staging.storage_min_hm3)[:, self.res]
        self.span = np.where(self.span == 0.0, np.nan, self.span)
        self.storage_min = staging.storage_min_hm3[:, self.res]
        self.fan = np.array([p for p in self.res if plants[p] in fan], dtype=np.int64)
        n_s = len(stages)
        self.fan_plant = pa.array(np.tile(plants[self.fan], n_s).tolist(), pa.string())
        self.fan_time = pa.array(np.repeat(stages["time"].to_numpy(), len(self.fan)))
        # end-of-September / end-of-March storage per owner country (dataset plants table)
        owner = dataset.plants.set_index("plant")["country"]
        res_owner = pd.Series(plants[self.res]).map(owner)
        stage_year = stages["year"].to_numpy(dtype=np.int64)
        stage_month = stages["month"].to_numpy(dtype=np.int64)
        self.storage_groups: list[tuple[str, int, str, Index, Index]] = []
        for country in sorted(str(c) for c in res_owner.dropna().unique()):
            if country not in self.keep:
                continue
            cols = np.flatnonzero((res_owner == country).to_numpy())
            for month, metric in ((9, "storage_end_sep_hm3"), (3, "storage_end_mar_hm3")):
                for year in sorted(set(stage_year[stage_month == month].tolist())):
                    stages_in = np.flatnonzero((stage_month == month) & (stage_year == year))
                    self.storage_groups.append((country, int(year), metric, stages_in, cols))

    def _releases(self, dataset: Dataset) -> None:
        rel = self.system.releases
        cal = self.system.calendar
        if rel.empty:
            self.rel_hours = np.zeros(0)
            self.rel_hm3 = np.zeros(0)
            self.rel_key = np.zeros(0, dtype=np.int64)
            self.key_group: Index = np.zeros(0, dtype=np.int64)
            self.veg_groups: list[tuple[str, int]] = []
            self.rel_veg = np.zeros(0, dtype=bool)
            return
        stage = rel["stage"].to_numpy(dtype=np.int64)
        self.rel_hours = cal.stage_hours[stage]
        times = pd.DatetimeIndex(cal.stages["time"].to_numpy()[stage])
        self.rel_hm3 = times.days_in_month.to_numpy(dtype=np.float64) * 24.0 * HM3_PER_M3S_HOUR
        year = cal.stages["year"].to_numpy(dtype=np.int64)[stage]
        month = cal.stages["month"].to_numpy(dtype=np.int64)[stage]
        country = rel["point"].map(dataset.plants.set_index("plant")["country"]).fillna("").astype(str)
        keys = pd.DataFrame({"point": rel["point"], "country": country, "agreement": rel["agreement"], "year": year})
        valid = keys.notna().all(axis=1).to_numpy()  # groupby drops rows with a missing key
        grouped = keys[valid].groupby(["point", "country", "agreement", "year"], sort=True)
        self.rel_key = np.full(len(keys), -1, dtype=np.int64)
        self.rel_key[valid] = grouped.ngroup().to_numpy()
        self.rel_veg = np.isin(month, VEGETATION_MONTHS) & valid
        pairs = [(str(c), int(y)) for _, c, _, y in grouped.size().index]  # one per key, in ngroup order
        groups = sorted({(c, y) for c, y in pairs if c != "" and c in self.keep})
        index = {g: i for i, g in enumerate(groups)}
        self.key_group = np.array([index.get(pair, -1) for pair in pairs], dtype=np.int64)
        self.veg_groups = groups

    def _trade(self, scenario: Scenario, years: list[int]) -> None:
        dataset = scenario.dataset
        _, target_year = trade_target(dataset)
        static = turnover_by_year(project_trade(dataset, scenario.trade, years, None, target_year))
        base_year = int(observed_trade(dataset)["year"].max())
        self.turnover_static = {int(str(y)): float(v) for y, v in static.items()}
        wanted = {y for y in [*years, target_year] if y > base_year}
        self.elec_years = wanted if scenario.trade.include_electricity else set()
        first, last = int(scenario.start[:4]), int(scenario.end[:4])
        self.turnover_years = (first, last)

    # -- per member --------------------------------------------------------------------------------
    def tables(
        self, sol: LPSolution, heads_m: Array, lin: Linearisation | None, pair: str
    ) -> tuple[Summary, pa.Table, pa.Table]:
        """Return ``(summary, metrics, storage)`` of one solution (``pair``: the trade pseudo-country).

        ``metrics`` (``country, year, metric, value, unit``) and ``storage`` (``plant, time,
        storage_hm3``) are Arrow tables: cheap to send and to stack into one store insert.
        """
        system, cols, x = self.system, self.layout.cols, sol.x
        coef = power_coefficients(system, heads_m)
        turb = cols[n.TURBINE].take(x)
        stor = cols[n.STORAGE].take(x)
        power = coef[self.st] * turb
        if lin is not None:
            power = power + linearised_power_mw(system, lin, stor)
        n_t, n_c = len(self.st), len(self.countries)
        hydro = np.zeros((n_t, n_c))
        np.add.at(hydro.T, system.country_index, (power * self.dur).T)
        thermal = np.zeros((n_t, n_c))
        np.add.at(thermal.T, system.thermal.country, (cols[n.THERMAL].take(x) * self.dur).T)
        unserved = cols[n.UNSERVED].take(x) * self.dur
        flows = self._flows(cols[n.FLOW_FWD].take(x), cols[n.FLOW_BWD].take(x))
        slack = cols[n.RELEASE_SLACK].take(x)
        shortfall_m3s = slack / (K * self.rel_hours) if slack.size else np.zeros(0)
        rows = _Rows()
        self._energy_metrics(rows, hydro, thermal, unserved)
        self._storage_metrics(rows, stor)
        self._export_metrics(rows, flows)
        self._water_metrics(rows, shortfall_m3s)
        self._turnover(rows, flows, pair)
        summary = self._summary(sol, coef, hydro, thermal, unserved, stor, shortfall_m3s)
        storage = pa.table(
            {
                "plant": self.fan_plant,
                "time": self.fan_time,
                "storage_hm3": pa.array(stor[:, self.fan].ravel(), pa.float64()),
            }
        )
        return summary, rows.table(), storage

    def _energy_metrics(self, rows: _Rows, hydro: Array, thermal: Array, unserved: Array) -> None:
        annual = _group_sum(self.year_idx, unserved, len(self.years)) * TWH_PER_MWH
        ws = self.winter_steps
        size = len(self.winters)
        demand = _group_sum(self.winter_idx, self.demand_mwh[ws], size) * TWH_PER_MWH
        w_hydro = _group_sum(self.winter_idx, hydro[ws], size) * TWH_PER_MWH
        w_thermal = _group_sum(self.winter_idx, thermal[ws], size) * TWH_PER_MWH
        w_unserved = _group_sum(self.winter_idx, unserved[ws], size) * TWH_PER_MWH
        deficit = np.clip(demand - w_hydro - w_thermal, 0.0, None)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(demand > 0, 100.0 * deficit / np.where(demand > 0, demand, 1.0), 0.0)
        for c, country in enumerate(self.countries):
            if country not in self.keep:
                continue
            for y, year in enumerate(self.years):
                rows.add(country, year, "unserved_twh", annual[y, c], "TWh")
            for w, winter in enumerate(self.winters):
                rows.add(country, winter, "winter_deficit_twh", deficit[w, c], "TWh")
                rows.add(country, winter, "winter_deficit_share_pct", share[w, c], "%")
                rows.add(country, winter, "winter_unserved_twh", w_unserved[w, c], "TWh")

    def _storage_metrics(self, rows: _Rows, stor: Array) -> None:
        res = stor[:, self.res]
        for country, year, metric, stages_in, cols in self.storage_groups:
            rows.add(country, year, metric, float(res[np.ix_(stages_in, cols)].sum()), "hm3")

    def _flows(self, fwd: Array, bwd: Array) -> dict[str, Array]:
        """Directed flow rows (sender → receiver) with CASA-1000 attributed by the ``flow`` rule."""
        signed = (fwd - bwd) * self.dur
        t, link = np.nonzero(signed)
        value = signed[t, link]
        forward = value > 0
        exporter = np.where(forward, self.from_code[link], self.to_code[link])
        importer = np.where(forward, self.to_code[link], self.from_code[link])
        both = self.flow_detailed[exporter] & self.flow_detailed[importer]
        channel = np.where(self.is_casa[link], CASA, np.where(both, BILATERAL, PARTNER))
        energy = np.abs(value)
        received = energy * (1.0 - self.loss[link])
        f = {"t": t, "link": link, "exporter": exporter, "importer": importer, "channel": channel}
        f |= {"energy": energy, "received": received}
        casa = channel == CASA
        if casa.any():
            for host in dict.fromkeys(exporter[casa].tolist()):
                f = self._attribute_host(f, int(host))
        price = np.where(f["channel"] == BILATERAL, self.bilateral_price, self._partner_price(f))
        tariff = self.tariff[f["link"]]
        price = np.nan_to_num(np.where(np.isnan(tariff), price, tariff), nan=0.0)
        f["revenue"] = f["energy"] * price
        kept = f["energy"] > 0
        out = {k: v[kept] for k, v in f.items()}
        out["year"] = np.asarray(self.years, dtype=np.int64)[self.year_idx[out["t"]]]
        return out

    def _partner_price(self, f: dict[str, Array]) -> Array:
        sells = self.export_price[f["importer"]]
        buys = self.import_price[f["exporter"]]
        price: Array = np.where(self.flow_detailed[f["exporter"]], sells, buys)
        return price

    def _attribute_host(self, f: dict[str, Array], host: int) -> dict[str, Array]:
        """Apply the reference ``_attribute_host`` (``flow`` rule) to flow rows: transit out, feeder rows in."""
        t, exporter, channel = f["t"], f["exporter"], f["channel"]
        casa = (channel == CASA) & (exporter == host)
        feed = (channel == BILATERAL) & (f["importer"] == host)
        feeders = list(dict.fromkeys(exporter[feed].tolist()))
        if not feeders:
            return f
        feeder = int(feeders[0])
        n_t = len(self.st)
        casa_step = np.bincount(t[casa], weights=f["energy"][casa], minlength=n_t)
        casa_here = np.bincount(t[casa], minlength=n_t) > 0
        rows = feed & (exporter == feeder)
        feed_step = np.bincount(t[rows], weights=f["received"][rows], minlength=n_t)
        credited = np.minimum(feed_step, casa_step)
        energy, received = f["energy"].copy(), f["received"].copy()
        got = received[rows]
        total = feed_step[t[rows]]
        share = got / np.where(total > 0, total, 1.0)
        cut = np.where(casa_here[t[rows]], credited[t[rows]], 0.0) * share
        keep = 1.0 - cut / np.where(got > 0, got, 1.0)
        energy[rows] = energy[rows] * keep
        received[rows] = got * keep
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = credited[t[casa]] / casa_step[t[casa]]
        fraction = np.where(np.isnan(fraction), 0.0, fraction)
        new_energy = energy[casa] * fraction
        new_received = received[casa] * fraction
        energy[casa] = energy[casa] * (1.0 - fraction)
        received[casa] = received[casa] * (1.0 - fraction)
        out = {k: np.concatenate([v, v[casa]]) for k, v in f.items() if k not in ("energy", "received")}
        out["exporter"][len(t) :] = feeder
        out["energy"] = np.concatenate([energy, new_energy])
        out["received"] = np.concatenate([received, new_received])
        return out

    def _export_metrics(self, rows: _Rows, f: dict[str, Array]) -> None:
        years = sorted({int(y) for y in f["year"]})
        if not years:
            return
        y_idx = np.searchsorted(years, f["year"])
        n_y = len(years)
        sums = {}
        for metric, column, channel, side, _ in _FLOW_METRICS:
            mask = np.ones(len(y_idx), dtype=bool) if channel is None else f["channel"] == channel
            who = f[side][mask]
            size = len(self.country_names) * n_y
            sums[metric] = np.bincount(who * n_y + y_idx[mask], weights=f[column][mask], minlength=size)
        for code in sorted(self.keep_codes, key=lambda i: str(self.country_names[i])):
            for y, year in enumerate(years):
                for metric, _, _, _, unit in _FLOW_METRICS:
                    rows.add(str(self.country_names[code]), year, metric, sums[metric][code * n_y + y] * 1e-6, unit)

    def _water_metrics(self, rows: _Rows, shortfall_m3s: Array) -> None:
        if not self.veg_groups:
            return
        hm3 = shortfall_m3s * self.rel_hm3
        n_keys = len(self.key_group)
        veg = self.rel_veg
        per_key = np.bincount(self.rel_key[veg], weights=hm3[veg], minlength=n_keys)
        kept = self.key_group >= 0
        per_group = np.bincount(self.key_group[kept], weights=per_key[kept], minlength=len(self.veg_groups))
        for (country, year), value in zip(self.veg_groups, per_group, strict=True):
            rows.add(country, year, "veg_shortfall_hm3", float(value), "hm3")

    def _turnover(self, rows: _Rows, f: dict[str, Array], pair: str) -> None:
        total = dict(self.turnover_static)
        bilateral = f["channel"] == BILATERAL
        elec_years = f["year"][bilateral]
        revenue = f["revenue"][bilateral]
        for year in sorted({int(y) for y in elec_years} & self.elec_years):
            total[year] = total.get(year, 0.0) + float(revenue[elec_years == year].sum()) / 1e6
        first, last = self.turnover_years
        for year in sorted(total):
            if first <= year <= last:
                rows.add(pair, year, "trade_turnover_musd", total[year], "US$ million")

    def _summary(
        self,
        sol: LPSolution,
        coef: Array,
        hydro: Array,
        thermal: Array,
        unserved: Array,
        stor: Array,
        shortfall_m3s: Array,
    ) -> Summary:
        system, cols, x = self.system, self.layout.cols, sol.x
        objective = float(objective_terms(self.layout, system, x, coef)["value_musd"].sum())
        exports_twh = revenue_musd = 0.0
        lk = system.links
        if lk.ids:
            fwd, bwd = cols[n.FLOW_FWD].take(x), cols[n.FLOW_BWD].take(x)
            energy = (fwd - bwd) * self.dur
            from_in, to_in = self.summary_detailed[self.from_code], self.summary_detailed[self.to_code]
            forward, backward = from_in & ~to_in, to_in & ~from_in
            export = np.where(forward, np.clip(energy, 0.0, None), 0.0) + np.where(
                backward, np.clip(-energy, 0.0, None), 0.0
            )
            tariff = np.nan_to_num(lk.tariff_usd_per_mwh)
            dfwd, dbwd = fwd * self.dur, bwd * self.dur  # tariff revenue on the energy sent
            link_revenue = tariff * (dfwd * (lk.to_end < 0) + dbwd * (lk.from_end < 0))
            exports_twh = float(export.sum()) / MWH_PER_TWH
            revenue_musd = float((link_revenue * (export > 0)).sum()) / USD_PER_MUSD
        spilled = float((cols[n.SPILL].take(x)[self.st] * self.dur).sum()) * HM3_PER_M3S_HOUR
        fill = (stor[:, self.res] - self.storage_min) / self.span * 100.0
        fill = fill[~np.isnan(fill)]
        return {
            "objective_musd": objective,
            "generation_twh": float((hydro + thermal).sum()) / MWH_PER_TWH,
            "unserved_twh": float(unserved.sum()) / MWH_PER_TWH,
            "winter_unserved_twh": float(unserved[self.summary_winter].sum()) / MWH_PER_TWH,
            "exports_twh": exports_twh,
            "export_revenue_musd": revenue_musd,
            "spilled_hm3": spilled,
            "min_storage_pct": float(fill.min()) if fill.size else None,
            "violations": self._violations(x, unserved, shortfall_m3s),
        }

    def _violations(self, x: Array, unserved: Array, shortfall_m3s: Array) -> int:
        """Rows of the reference ``violations`` table: shortfall rows, (country, month), (plant, month)."""
        count = int((shortfall_m3s > SLACK_TOL).sum())
        t, c = np.nonzero(unserved > SLACK_TOL)
        count += len({(int(ci), int(p)) for ci, p in zip(c, self.step_period[t], strict=True)})
        deficit = self.layout.cols[n.WATER_DEFICIT].take(x)
        s, p = np.nonzero(deficit > SLACK_TOL)
        count += len({(int(pi), int(q)) for pi, q in zip(p, self.stage_period[s], strict=True)})
        return count
