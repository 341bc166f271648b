"""The LP core: build (vectorised, scipy.sparse → HiGHS), head iteration, solve, extract → Results."""

from aralnexus.dispatch.api import optimise, optimise_system
from aralnexus.dispatch.head import HeadIteration
from aralnexus.dispatch.model import LPModel

__all__ = ["HeadIteration", "LPModel", "optimise", "optimise_system"]
