"""Vectorised rule-based simulator for screening huge hydrology ensembles.

``simulate(system, inflows, rules)`` runs every member at once on the optimiser's network, level
curves and power equation; see :mod:`aralnexus.simulate.engine`.
"""

from aralnexus.simulate.engine import HeadAt, simulate
from aralnexus.simulate.results import SimulationResult
from aralnexus.simulate.rules import (
    DEFAULT_TARGET_FRACTION,
    OperatingRules,
    default_rules,
    min_release_m3s,
    rules_from_reservoirs,
    rules_from_storage,
    schedule_rules,
)

__all__ = [
    "DEFAULT_TARGET_FRACTION",
    "HeadAt",
    "OperatingRules",
    "SimulationResult",
    "default_rules",
    "min_release_m3s",
    "rules_from_reservoirs",
    "rules_from_storage",
    "schedule_rules",
    "simulate",
]
