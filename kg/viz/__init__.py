"""Interactive, self-contained HTML pictures of the graph (pyvis / vis-network).

>>> from kg.viz import viz, write_html
>>> net = viz("kg-store", view="coauthors", since=2022)   # doctest: +SKIP
>>> write_html(net, "coauthors.html")                      # doctest: +SKIP
"""

from kg.viz.views import PHYSICS_LIMIT, VIEWS, KGNetwork, network_from_papers, to_network, viz, write_html

__all__ = ["PHYSICS_LIMIT", "VIEWS", "KGNetwork", "network_from_papers", "to_network", "viz", "write_html"]
