"""scholarly-kg: research-collaboration knowledge graphs from profile pages and exports."""

from kg._version import __version__

__all__ = ["__version__"]
