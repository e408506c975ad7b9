"""Kanagawa open data: report tables as Frictionless data packages, and the API that serves them."""

__version__ = "0.1.0"
