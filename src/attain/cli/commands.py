"""Registers every sub-command module on the `attain` app (import order is help order)."""

from attain.cli import imports, serve, users  # noqa: F401
