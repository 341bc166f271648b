"""Unit constants and converters: the only place conversion factors live.

Internal units: flow m3/s, volume hm3 (1e6 m3), level and head m, power MW, energy MWh,
money US$ (reports in US$ million), prices US$/MWh.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

#: Volume in hm3 of a flow of 1 m3/s sustained for one hour.
HM3_PER_M3S_HOUR = 3600.0 / 1e6
#: Volume in hm3 of a flow of 1 m3/s sustained for one day.
HM3_PER_M3S_DAY = 86400.0 / 1e6
#: Hours in a (non-leap) year, used for annual ↔ mean-flow conversions.
HOURS_PER_YEAR = 8760.0
#: hm3 per km3.
HM3_PER_KM3 = 1000.0
#: MWh per TWh.
MWH_PER_TWH = 1e6
#: MWh per GWh.
MWH_PER_GWH = 1e3
#: Thousand cubic metres in one hm3 (water values per 1000 m3).
THOUSAND_M3_PER_HM3 = 1e3
#: US$ per US$ million.
USD_PER_MUSD = 1e6
#: Gravity times water density, in MW per (m3/s · m): ρ·g = 1000 kg/m3 · 9.81 m/s2 = 9.81e-3 MW.
RHO_G_MW_PER_M3S_M = 9.81e-3
#: Hours in a day.
HOURS_PER_DAY = 24.0
#: hm3 per m3.
HM3_PER_M3 = 1e-6
#: m3 per hm3.
M3_PER_HM3 = 1e6
#: MW per GW.
MW_PER_GW = 1e3
#: MW per kW.
MW_PER_KW = 1e-3
#: US$ per US$ billion.
USD_PER_BUSD = 1e9
#: US$/MWh per US cent/kWh.
USD_PER_MWH_PER_CENT_PER_KWH = 10.0

ArrayT = TypeVar("ArrayT", float, npt.NDArray[np.float64])


def hydro_power_mw(efficiency: ArrayT, flow_m3s: ArrayT, head_m: ArrayT) -> ArrayT:
    """Return hydropower output in MW: P = 9.81e-3 · η · Q · H.

    Parameters
    ----------
    efficiency
        Overall plant efficiency (turbine · generator), dimensionless.
    flow_m3s
        Turbined flow in m3/s.
    head_m
        Net head in m.
    """
    return RHO_G_MW_PER_M3S_M * efficiency * flow_m3s * head_m


def km3_per_year_to_m3s(volume_km3: float) -> float:
    """Convert an annual volume in km3/yr to the mean flow in m3/s."""
    return volume_km3 * HM3_PER_KM3 / (HM3_PER_M3S_HOUR * HOURS_PER_YEAR)


def m3s_to_km3_per_year(flow_m3s: float) -> float:
    """Convert a mean flow in m3/s to the annual volume in km3/yr."""
    return flow_m3s * HM3_PER_M3S_HOUR * HOURS_PER_YEAR / HM3_PER_KM3


def cents_per_kwh_to_usd_per_mwh(price_cents_per_kwh: float) -> float:
    """Convert a price in US cents/kWh to US$/MWh."""
    return price_cents_per_kwh * USD_PER_MWH_PER_CENT_PER_KWH
