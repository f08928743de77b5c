"""A local stand-in for the Hugging Face Hub HTTP API, for the test suite."""

from .server import HubStandIn, revision_folder

__all__ = ["HubStandIn", "revision_folder"]
