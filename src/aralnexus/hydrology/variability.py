"""ASSUMED variability of the derived inflows: the one place these assumptions live.

No observed monthly series of the Naryn or the Vakhsh can be shipped (see
``/work/shared/reference/HYDROLOGY.md``), so without an imported record the generator's statistical
targets are the dataset's monthly means plus the assumed parameters below, except where the dataset
carries an observed statistic (annual CV and lag-1 of the CA-discharge water years, the Vakhsh
monthly spreads): :mod:`aralnexus.hydrology.observed` puts those in and says which is which. Everything
computed from them is labelled "derived + assumed variability". The reasoning is repeated in
``docs/hydrology.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Monthly = tuple[float, float, float, float, float, float, float, float, float, float, float, float]


def _naryn_monthly_cv() -> Monthly:
    return (0.13, 0.13, 0.16, 0.40, 0.38, 0.35, 0.32, 0.32, 0.28, 0.22, 0.18, 0.15)


def _vakhsh_monthly_cv() -> Monthly:
    return (0.13, 0.16, 0.18, 0.35, 0.30, 0.26, 0.23, 0.23, 0.22, 0.18, 0.15, 0.14)


def _lag1() -> Monthly:
    return (0.85, 0.85, 0.75, 0.50, 0.55, 0.65, 0.75, 0.80, 0.80, 0.85, 0.85, 0.85)


@dataclass(frozen=True)
class AssumedVariability:
    """Assumed variability of monthly inflows where no observed series is available.

    These are ASSUMPTIONS, not measurements; an imported record replaces all of them.

    Parameters
    ----------
    annual_cv
        Coefficient of variation of annual volume per river. Naryn 0.22: the only interannual series,
        Toktogul storage on 1 April 2006–2013 (HN-052), has CV 0.30, but storage also carries the
        release policy (the 2008–09 winter over-draw) and two years of inflow, so it overstates the
        inflow CV; 0.22 sits in the 0.2–0.3 band of snow-fed rivers. Vakhsh 0.18: more glacier-fed,
        and glacier melt makes up for low snow in hot years (dry 2008 still brought 1000–1100 m3/s
        in early August, HV-012), so lower than the Naryn.
    monthly_cv
        CV of each calendar month's flow per river (Jan..Dec): low for winter baseflow, highest in
        April–May (timing of snowmelt onset; dated April points range 174–468 m3/s, HN-011..015),
        moderate in the glacier months. Chosen so the annual CV above is reachable with plausible
        within-year correlation.
    lag1_corr
        Correlation of each month's flow with the previous month's (Jan = with December): high on the
        winter recession, lowest at melt onset (April).
    annual_persistence
        Lag-1 correlation of annual volumes. Dry years come in runs: 2008–09 (HN-045/046), three
        low-snow winters to 2021 (HN-021), 2023–25 (HN-053, HN-059).
    inter_basin_corr
        Correlation of Naryn and Vakhsh flows (same month, normal scores; annual volumes come out at
        about the same value). Both are fed by the same westerly winter storms and 2008 and 2023–24
        were dry in both, but spring 2011 was low on the Vakhsh (HV-010) while Toktogul was full
        (HN-048), so moderately positive.
    skew
        ``"lognormal"``: each month's flow is two-parameter lognormal (skew = 3·CV + CV³), the usual
        choice for positive flows when there is no data to fit a skew.
    """

    annual_cv: dict[str, float] = field(default_factory=lambda: {"naryn": 0.25, "vakhsh": 0.20})
    monthly_cv: dict[str, Monthly] = field(
        default_factory=lambda: {"naryn": _naryn_monthly_cv(), "vakhsh": _vakhsh_monthly_cv()}
    )
    lag1_corr: Monthly = field(default_factory=_lag1)
    annual_persistence: float = 0.3
    inter_basin_corr: float = 0.55
    skew: str = "lognormal"
    #: River whose values are used for a river not listed above.
    fallback_river: str = "naryn"

    def river_annual_cv(self, river: str) -> float:
        """Return the annual CV of ``river`` (the fallback river's if not listed)."""
        return self.annual_cv.get(river, self.annual_cv[self.fallback_river])

    def river_monthly_cv(self, river: str) -> Monthly:
        """Return the monthly CVs of ``river`` (the fallback river's if not listed)."""
        return self.monthly_cv.get(river, self.monthly_cv[self.fallback_river])


#: The assumptions used for the default (derived) hydrology.
ASSUMED = AssumedVariability()
