"""Link families: interconnector flows with losses and availability, partner markets.

A link from ``a`` to ``b`` has a forward flow (sent at ``a``, ``η · flow`` received at ``b``) and,
when bidirectional, a backward flow. A partner market at one end sells (imports, paid on the sent
energy at its ``import_price_usd_per_mwh``) or buys (exports, paid on the delivered energy at the
link's tariff when set, otherwise at the partner's ``export_price_usd_per_mwh``). Annual import
limits per partner: ``Σ_{t∈year} dur_t · sent_from_partner[t] ≤ import_max_twh · share of the year
in the horizon · growth factor`` (the caps grow by ``import_cap_growth_pct_per_year`` every year
after ``import_cap_base_year``: :meth:`aralnexus.system.system.Economics.import_cap_factor`).

Between two detailed grids the sent energy is charged the pair's price (the link's tariff, else
the dataset's ``bilateral_electricity_price_usd_per_mwh``, the price the trade turnover values it
at): the LP treats it as a hurdle on each direction, what the buying grid pays the selling one,
so the two grids trade only where the energy is worth more than that price to the buyer (they are
two utilities, not one dispatcher). The objective reports it as the term ``bilateral_trade``.

No direction trades for free: a direction from a partner without an import price cannot carry
energy (upper bound 0), and the scenario checks reject such a link, or a link between two grids
without a positive price, before it gets here (:func:`aralnexus.scenario.checks.check_partner_links`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aralnexus.dispatch.lp import LPArrays
from aralnexus.dispatch.names import FLOW_BWD, FLOW_FWD, IMPORT_LIMIT, POWER_BALANCE
from aralnexus.system.network import partner_index
from aralnexus.system.system import System
from aralnexus.units import HOURS_PER_YEAR, MWH_PER_TWH


def define_links(lp: LPArrays, system: System) -> None:
    """Add link flows to the power balances at both ends, with capacities and market prices."""
    lk = system.links
    if not lk.ids:
        return
    rows = lp.layout.rows[POWER_BALANCE].index
    dur = system.calendar.duration_h[:, None]
    for family, send, recv in ((FLOW_FWD, lk.from_end, lk.to_end), (FLOW_BWD, lk.to_end, lk.from_end)):
        cols = lp.layout.cols[family].index
        s_in, r_in = np.flatnonzero(send >= 0), np.flatnonzero(recv >= 0)
        lp.add(rows[:, send[s_in]], cols[:, s_in], -1.0)
        lp.add(rows[:, recv[r_in]], cols[:, r_in], lk.efficiency[r_in][None, :])
        imp = np.where(send < 0, np.nan_to_num(lk.import_price_usd_per_mwh), 0.0)
        exp = np.where(recv < 0, np.nan_to_num(lk.export_price_usd_per_mwh) * lk.efficiency, 0.0)
        imp = imp + bilateral_hurdle_usd_per_mwh(system)
        upper = lk.capacity_mw if family == FLOW_FWD else lk.capacity_mw * lk.bidirectional[None, :]
        unpriced = (send < 0) & np.isnan(lk.import_price_usd_per_mwh)
        upper = np.where(unpriced[None, :], 0.0, upper)
        lp.set_cols(family, 0.0, upper, (imp - exp)[None, :] * dur)


def bilateral_hurdle_usd_per_mwh(system: System) -> npt.NDArray[np.float64]:
    """Return the price ``(L,)`` charged per MWh sent between two detailed grids (0 on partner links)."""
    price: npt.NDArray[np.float64] = np.nan_to_num(system.links.bilateral_price_usd_per_mwh)
    return price


def import_limit_shape(system: System) -> tuple[int, int]:
    """Return (partners, years) of the import-limit rows."""
    years = system.calendar.steps["year"]
    return len(system.countries.partners), int(years.max() - years.min() + 1) if len(years) else 0


def define_import_limits(lp: LPArrays, system: System) -> None:
    """Cap the energy each partner sells per calendar year (pro rata for part years)."""
    n_j, n_y = import_limit_shape(system)
    if n_j == 0 or n_y == 0:
        return
    lk, cal = system.links, system.calendar
    year = cal.steps["year"].to_numpy() - int(cal.steps["year"].min())
    rows = lp.layout.rows[IMPORT_LIMIT].index  # (J, Y)
    dur = cal.duration_h[:, None]
    for family, send in ((FLOW_FWD, lk.from_end), (FLOW_BWD, lk.to_end)):
        from_partner = np.flatnonzero(send < 0)
        cols = lp.layout.cols[family].index[:, from_partner]
        lp.add(rows[partner_index(send[from_partner])[None, :], year[:, None]], cols, np.broadcast_to(dur, cols.shape))
    hours = np.bincount(year, weights=cal.duration_h, minlength=n_y)
    growth = system.economics.import_cap_factor(int(cal.steps["year"].min()) + np.arange(n_y))
    cap = system.countries.import_max_twh[:, None] * MWH_PER_TWH * (hours / HOURS_PER_YEAR * growth)[None, :]
    lp.set_rows(IMPORT_LIMIT, -np.inf, np.where(np.isnan(cap), np.inf, cap))
