"""Test oracles and synthetic inputs for tests, benchmarks and documentation — never for production code.

- :mod:`aralnexus.testing.examples`: small synthetic datasets (hand-solvable cascades, random networks)
  with the same tables and columns as the default dataset;
- :mod:`aralnexus.testing.sample`: synthetic results, metrics, trade tables and run records shaped like
  a KG–TJ monthly run, for the store and report tests.

This package sits above every other layer (it may import anything); no production module imports it
(``tests/test_architecture.py`` checks).
"""
