"""The validated, typed scenario every downstream module works from.

A :class:`Scenario` is the default dataset with the user's overlay applied (``dataset``) plus the
run options. It is produced by :func:`aralnexus.scenario.load.load_scenario`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aralnexus.data.dataset import Dataset
from aralnexus.vocab import HeadMode, HydrologyKind, Resolution


@dataclass(frozen=True)
class ClimateShift:
    """Climate change applied to every inflow site.

    Parameters
    ----------
    volume_change_pct
        Change of the annual volume in percent (−10 → 10 % less water).
    melt_shift_weeks
        Shift of the melt peak in weeks (positive → earlier).
    glacier_share_change_pct
        Relative change of the glacier-melt share of summer (Jul–Sep) flow, in percent.
    """

    volume_change_pct: float = 0.0
    melt_shift_weeks: float = 0.0
    glacier_share_change_pct: float = 0.0


@dataclass(frozen=True)
class HydrologySpec:
    """Which inflows a scenario runs on.

    Parameters
    ----------
    kind
        ``median`` / ``mean`` (the derived climatology), ``dry`` (90 % exceedance year), ``wet``
        (10 %), ``dry-sequence`` (driest multi-year run of a synthetic ensemble), ``synthetic``
        (one member of a seeded ensemble) or ``record`` (a user's imported observed series).
    seed
        Seed of the synthetic generator (``synthetic``, ``dry-sequence``, named years).
    member
        Member index for ``synthetic``.
    record_file
        Path of an imported record (``record``), long CSV or Parquet.
    climate
        Climate shift applied on top.
    """

    kind: HydrologyKind = "median"
    seed: int = 42
    member: int = 0
    record_file: str = ""
    climate: ClimateShift = field(default_factory=ClimateShift)

    @property
    def label(self) -> str:
        """Short label for tables and reports."""
        text: str = self.kind
        if self.kind == "synthetic":
            text += f" #{self.member} (seed {self.seed})"
        if self.climate != ClimateShift():
            text += " + climate shift"
        return text


@dataclass(frozen=True)
class TradeLevers:
    """Bilateral goods-trade assumptions (growth applied from the last observed year).

    Parameters
    ----------
    growth_pct_per_year
        Baseline annual growth of goods trade in percent.
    transit_eaeu_musd
        Additional turnover in 2030 from Tajik goods transiting Kyrgyzstan to the EAEU, US$ million.
    agri_processing_musd
        Additional turnover in 2030 from joint agricultural processing, US$ million.
    border_flights_musd
        Additional turnover in 2030 from the reopened border and direct flights, US$ million.
    include_electricity
        Whether bilateral electricity sales count towards the turnover.
    """

    growth_pct_per_year: float = 15.0
    transit_eaeu_musd: float = 0.0
    agri_processing_musd: float = 0.0
    border_flights_musd: float = 0.0
    include_electricity: bool = True


@dataclass(frozen=True)
class Override:
    """One value the scenario changed: field path, default value and scenario value."""

    path: str
    default: str
    value: str


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the dataset after the overlay, and the run options.

    Parameters
    ----------
    name
        Scenario name.
    description
        One-paragraph description.
    file
        The YAML file it came from (``"default"`` for the built-in scenario).
    content_hash
        SHA-256 of the resolved scenario content (for idempotent runs in the store).
    dataset
        Default dataset with the overlay applied.
    start, end
        Horizon, inclusive months ``YYYY-MM``.
    resolution
        ``monthly`` (load blocks) or ``hourly``.
    head_mode
        ``iterate`` (successive linearisation of head) or ``fixed`` (rated heads).
    hydrology
        Which inflows to use.
    trade
        Bilateral trade levers.
    overrides
        What the overlay changed, for provenance in reports.
    initial_storage_hm3
        Storage at the horizon start stated by the scenario, ``(plant, hm3)`` pairs sorted by plant
        (other plants: the dataset or a rule, see :mod:`aralnexus.system.start_storage`).
    """

    name: str
    description: str
    file: str
    content_hash: str
    dataset: Dataset
    start: str = "2025-01"
    end: str = "2035-12"
    resolution: Resolution = "monthly"
    head_mode: HeadMode = "iterate"
    hydrology: HydrologySpec = field(default_factory=HydrologySpec)
    trade: TradeLevers = field(default_factory=TradeLevers)
    overrides: tuple[Override, ...] = ()
    initial_storage_hm3: tuple[tuple[str, float], ...] = ()
