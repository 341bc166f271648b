"""aralnexus: planning model of the Kyrgyzstan–Tajikistan water–energy–trade partnership.

The public verbs follow the data flow::

    scenario = aralnexus.load_scenario("default")          # or a YAML overlay file
    inflows = aralnexus.make_inflows(scenario, "2025-01", "2035-12")
    results = aralnexus.optimise(scenario, inflows)        # LP with head iteration (HiGHS)
    pathway = aralnexus.run_pathway(scenario)              # + energy security, exports, trade
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_scenario": "aralnexus.scenario",
    "make_inflows": "aralnexus.hydrology",
    "optimise": "aralnexus.dispatch",
    "run_pathway": "aralnexus.pathways",
    "open_store": "aralnexus.store",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    """Import the public verbs lazily, so ``import aralnexus`` stays fast."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    msg = f"module 'aralnexus' has no attribute {name!r}"
    raise AttributeError(msg)
