"""Tocsin: community reports in, timely alerts out."""

__version__ = "0.1.0"
