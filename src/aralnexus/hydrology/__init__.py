"""Hydrology: monthly inflows per site (derived default, records, synthetic ensembles, named years, climate).

The optimiser and pathway runner call :func:`make_inflows`; the ensemble runner calls
:func:`sample_members`.
"""

from aralnexus.hydrology.climate import apply_climate
from aralnexus.hydrology.climatology import DERIVED_ASSUMED_LABEL, DERIVED_LABEL
from aralnexus.hydrology.inflows import (
    InflowModel,
    build_inflow_model,
    make_inflows,
    model_named_years,
    sample_ensemble,
    sample_members,
    scenario_model,
)
from aralnexus.hydrology.named import NamedYears
from aralnexus.hydrology.record import load_record, read_record_csv, write_record
from aralnexus.hydrology.variability import ASSUMED, AssumedVariability

__all__ = [
    "ASSUMED",
    "DERIVED_ASSUMED_LABEL",
    "DERIVED_LABEL",
    "AssumedVariability",
    "InflowModel",
    "NamedYears",
    "apply_climate",
    "build_inflow_model",
    "load_record",
    "make_inflows",
    "model_named_years",
    "read_record_csv",
    "sample_ensemble",
    "sample_members",
    "scenario_model",
    "write_record",
]
