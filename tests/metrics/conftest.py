"""Metric tests share one short solve (metrics_support.py, importable by its unique name)."""
