"""Result tables and their invariants."""

from aralnexus.results.balances import energy_balance_error, water_balance_error
from aralnexus.results.tables import Convergence, Results

__all__ = ["Convergence", "Results", "energy_balance_error", "water_balance_error"]
