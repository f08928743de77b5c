"""Shared code for the course notebooks: modes, metrics, results and tiny-mode builders.

Importing ``helpers`` is cheap: the heavy libraries are imported by the submodules that use them.
"""

__version__ = "0.1.0"
