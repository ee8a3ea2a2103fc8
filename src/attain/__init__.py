"""Attain: open-source Sales Performance Management on one data model."""

__version__ = "0.1.0"
