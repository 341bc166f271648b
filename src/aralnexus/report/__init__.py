"""Reports of stored runs: charts (plotly HTML offline, matplotlib PNG), findings and provenance."""

from aralnexus.report.build import ReportFiles, write_report

__all__ = ["ReportFiles", "write_report"]
