"""The engine version, written in every decision and audit record."""

__version__ = "0.1.0"
