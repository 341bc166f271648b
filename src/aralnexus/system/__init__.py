"""Scenario → System: plant, country and link arrays over the calendar (stages and steps)."""

from aralnexus.system.calendar import Calendar, build_calendar
from aralnexus.system.system import Economics, System, build_system, build_system_from_dataset
from aralnexus.vocab import Resolution

__all__ = [
    "Calendar",
    "Economics",
    "Resolution",
    "System",
    "build_calendar",
    "build_system",
    "build_system_from_dataset",
]
