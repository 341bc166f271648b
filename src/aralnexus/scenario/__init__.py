"""Scenario files: a YAML overlay on the default dataset, validated into a typed Scenario."""

from aralnexus.scenario.load import load_scenario
from aralnexus.scenario.model import Override, Scenario

__all__ = ["Override", "Scenario", "load_scenario"]
