"""Multi-year pathways and planner metrics: winter deficits, exports and revenue, water, trade.

``run_pathway(scenario)`` optimises a 2025–2035 pathway and returns a :class:`PathwayResult`
with tidy metrics; ``compare_pathways(a, b)`` sets two runs side by side.
"""

from aralnexus.pathways.compare import compare_pathways, horizon_totals
from aralnexus.pathways.runner import PathwayResult, evaluate, parse_hydrology, run_pathway
from aralnexus.pathways.summary import pathway_summary

__all__ = [
    "PathwayResult",
    "compare_pathways",
    "evaluate",
    "horizon_totals",
    "parse_hydrology",
    "pathway_summary",
    "run_pathway",
]
