"""What the simulator returns: arrays over ``(member, time, plant)`` and views of them.

Views: per-country energy ``(member, time, country)``, winter hydro energy per country and winter
(the dataset's winter months, labelled by the year it starts, :mod:`aralnexus.data.definitions`), an
``xarray.Dataset`` for ensembles, and one member as the Results ``plants`` table (for comparison
with an optimised run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.results.tables import PLANT_COLUMNS
from aralnexus.simulate.heads import stage_curves
from aralnexus.system.system import System
from aralnexus.units import HM3_PER_M3S_HOUR

if TYPE_CHECKING:
    from aralnexus.simulate.rules import OperatingRules

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SimulationResult:
    """Simulated trajectories of every member.

    Parameters
    ----------
    system
        The system simulated.
    members
        Member labels ``(M,)``.
    inflow_m3s
        Natural (local) inflow per plant ``(M, S, P)``.
    upstream_m3s
        Water arriving from the plants above ``(M, S, P)``.
    storage_hm3
        End-of-month storage ``(M, S, P)``.
    turbined_m3s, spilled_m3s
        Mean turbined and spilled flow ``(M, S, P)``; their sum is the release.
    head_m
        Net head used for power ``(M, S, P)``.
    power_mw
        Mean power ``(M, S, P)``.
    min_release_m3s
        Required minimum release ``(S, P)``.
    rules
        The operating rules.
    head_at
        ``mean`` or ``start`` (storage at which the head was taken).
    seconds
        Wall time of the simulation.
    """

    system: System
    members: npt.NDArray[np.int64]
    inflow_m3s: Array
    upstream_m3s: Array
    storage_hm3: Array
    turbined_m3s: Array
    spilled_m3s: Array
    head_m: Array
    power_mw: Array
    min_release_m3s: Array
    rules: OperatingRules
    head_at: str
    seconds: float

    @property
    def time(self) -> pd.DatetimeIndex:
        """Start of every month simulated."""
        return pd.DatetimeIndex(self.system.calendar.stages["time"])

    @property
    def hours(self) -> Array:
        """Hours in every month ``(S,)``."""
        return self.system.calendar.stage_hours

    @property
    def level_m(self) -> Array:
        """End-of-month pool level ``(M, S, P)`` from the system's level curves (NaN without a curve)."""
        out = np.empty_like(self.storage_hm3)
        for s in range(out.shape[1]):  # one vectorised curve evaluation per month
            out[:, s] = stage_curves(self.system.curves, s, out.shape[0]).level_m(self.storage_hm3[:, s])
        return out

    @property
    def release_m3s(self) -> Array:
        """Total release (turbined + spilled) ``(M, S, P)``."""
        out: Array = self.turbined_m3s + self.spilled_m3s
        return out

    @property
    def energy_mwh(self) -> Array:
        """Energy per month ``(M, S, P)`` in MWh."""
        out: Array = self.power_mw * self.hours[None, :, None]
        return out

    @property
    def countries(self) -> tuple[str, ...]:
        """Detailed countries (the country axis)."""
        return self.system.countries.detailed

    @property
    def country_energy_mwh(self) -> Array:
        """Hydro energy per country and month ``(M, S, C)`` in MWh."""
        onehot = np.zeros((self.system.n_plants, len(self.countries)))
        onehot[np.arange(self.system.n_plants), self.system.country_index] = 1.0
        out: Array = self.energy_mwh @ onehot
        return out

    @property
    def release_shortfall_m3s(self) -> Array:
        """Minimum release not met ``(M, S, P)`` (0 where met)."""
        out: Array = np.maximum(self.min_release_m3s[None] - self.release_m3s, 0.0)
        return out

    def water_balance_error_hm3(self) -> Array:
        """Return ``Δstorage − K·H·(inflow + upstream − release)`` per ``(M, S, P)`` (zero up to rounding)."""
        start = np.concatenate(
            [np.broadcast_to(self.system.storage_initial_hm3, self.storage_hm3[:, :1].shape), self.storage_hm3[:, :-1]],
            axis=1,
        )
        kh = HM3_PER_M3S_HOUR * self.hours[None, :, None]
        out: Array = (self.storage_hm3 - start) - kh * (self.inflow_m3s + self.upstream_m3s - self.release_m3s)
        return out

    def winter_energy_mwh(self, definitions: PlannerDefinitions) -> xr.DataArray:
        """Hydro energy per complete winter and country: ``(member, winter, country)`` in MWh.

        Winters are those of ``definitions`` (the dataset's winter months, labelled by the start year).
        """
        times = self.time
        month, year = times.month.to_numpy(), times.year.to_numpy()
        label = definitions.winter_label(year, month)
        complete = definitions.complete_winters(year, month)
        pick = (label[:, None] == np.asarray(complete, dtype=np.int64)[None, :]).astype(np.float64)  # (S, W)
        values = np.einsum("msc,sw->mwc", self.country_energy_mwh, pick)
        return xr.DataArray(
            values,
            dims=("member", "winter", "country"),
            coords={
                "member": self.members,
                "winter": np.asarray(complete, dtype=np.int64),
                "country": list(self.countries),
            },
            name="winter_hydro_mwh",
            attrs={"units": "MWh", "winter": f"months {list(definitions.winter_months)}, labelled by the start year"},
        )

    def to_dataset(self) -> xr.Dataset:
        """Return every array as an ``xarray.Dataset`` with dims ``(member, time, plant)`` and ``country``."""
        dims = ("member", "time", "plant")
        plant_vars = {
            "inflow_m3s": self.inflow_m3s,
            "upstream_m3s": self.upstream_m3s,
            "storage_hm3": self.storage_hm3,
            "release_m3s": self.release_m3s,
            "turbined_m3s": self.turbined_m3s,
            "spilled_m3s": self.spilled_m3s,
            "head_m": self.head_m,
            "level_m": self.level_m,
            "power_mw": self.power_mw,
            "energy_mwh": self.energy_mwh,
        }
        data: dict[str, tuple[tuple[str, ...], Array]] = {k: (dims, v) for k, v in plant_vars.items()}
        data["country_energy_mwh"] = (("member", "time", "country"), self.country_energy_mwh)
        data["min_release_m3s"] = (("time", "plant"), self.min_release_m3s)
        plants = self.system.plants
        coords = {
            "member": self.members,
            "time": self.time,
            "plant": list(self.system.plant_ids),
            "country": list(self.countries),
            "plant_country": ("plant", list(plants["country"])),
        }
        return xr.Dataset(data, coords=coords, attrs={"rules": self.rules.source, "head_at": self.head_at})

    def plants_table(self, member: int = 0) -> pd.DataFrame:
        """Return member ``member`` (position) as the Results ``plants`` table, one row per power step and plant.

        Turbined, spilled, storage, head and power are the month's values on every load block of the
        month; energy is ``power · duration_h`` of the block.
        """
        steps = self.system.calendar.steps
        st = steps["stage"].to_numpy(dtype=np.int64)
        n_t, n_p = len(steps), self.system.n_plants
        plants = self.system.plants
        rep = np.repeat  # step-major, plant-minor ordering
        frame = pd.DataFrame({c: rep(steps[c].to_numpy(), n_p) for c in ("step", "time", "year", "month", "block")})
        frame["duration_h"] = rep(steps["duration_h"].to_numpy(dtype=np.float64), n_p)
        frame["plant"] = np.tile(plants["plant"].to_numpy(dtype=object), n_t)
        frame["country"] = np.tile(plants["country"].to_numpy(dtype=object), n_t)
        frame["river"] = np.tile(plants["river"].to_numpy(dtype=object), n_t)
        for column, values in (
            ("turbined_m3s", self.turbined_m3s),
            ("spilled_m3s", self.spilled_m3s),
            ("inflow_m3s", self.inflow_m3s),
            ("storage_hm3", self.storage_hm3),
            ("level_m", self.level_m),
            ("head_m", self.head_m),
            ("power_mw", self.power_mw),
        ):
            frame[column] = values[member][st].reshape(-1)
        frame["energy_mwh"] = frame["power_mw"] * frame["duration_h"]
        frame["capacity_mw"] = self.system.staging.capacity_mw[st].reshape(-1)
        return frame[list(PLANT_COLUMNS)]
