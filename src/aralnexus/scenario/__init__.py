"""Scenario files: a YAML overlay on the default dataset, validated into a typed Scenario."""

from aralnexus.scenario.load import load_scenario, scenario_from_mapping, scenario_from_text
from aralnexus.scenario.model import Override, Scenario

__all__ = ["Override", "Scenario", "load_scenario", "scenario_from_mapping", "scenario_from_text"]
