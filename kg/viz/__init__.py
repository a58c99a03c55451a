"""Interactive, self-contained HTML pictures of the graph (pyvis / vis-network).

``kg.viz(store, view=...)`` is :func:`viz`: this module is callable.

>>> from kg.viz import viz, write_html
>>> net = viz("kg-store", view="coauthors", since=2022)   # doctest: +SKIP
>>> write_html(net, "coauthors.html")                      # doctest: +SKIP
"""

import sys
import types
from typing import Any

from kg.viz.views import PHYSICS_LIMIT, VIEWS, KGNetwork, network_from_papers, to_network, viz, write_html

__all__ = ["PHYSICS_LIMIT", "VIEWS", "KGNetwork", "network_from_papers", "to_network", "viz", "write_html"]


class _CallableModule(types.ModuleType):
    """``kg.viz(store, view="coauthors")`` works although ``kg.viz`` is this package."""

    def __call__(self, *args: Any, **kwargs: Any) -> KGNetwork:
        return viz(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
