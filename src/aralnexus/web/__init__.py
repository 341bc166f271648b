"""``aralnexus serve``: a local scenario explorer in the browser.

A thin layer over the functions the CLI calls: scenarios are validated by
:mod:`aralnexus.scenario`, runs go through :func:`aralnexus.pathways.run_pathway` in a worker
process and into the store, run pages are the report's sections (:mod:`aralnexus.report`) and
comparisons the ``aralnexus compare`` table. Nothing here defines a planner quantity.
"""

from aralnexus.web.app import create_app
from aralnexus.web.config import WebConfig

__all__ = ["WebConfig", "create_app"]
