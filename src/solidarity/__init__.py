"""Solidarity: one open platform for countries, agencies and networks fighting a pandemic together."""

__version__ = "0.1.0"
