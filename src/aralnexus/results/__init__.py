"""Result tables and their invariants."""

from aralnexus.results.tables import Convergence, Results

__all__ = ["Convergence", "Results"]
