"""capactif: routing and follow-up engine of the Cap Actif network of business-support structures.

The library never imports click: everything here is usable from Python, tests and benchmarks;
``cli.py`` is a thin adapter over it.
"""

__version__ = "0.1.0"
