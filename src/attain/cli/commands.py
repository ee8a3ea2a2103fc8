"""Registers every sub-command module on the `attain` app (import order is help order)."""

from attain.cli import (  # noqa: F401
    coaching,
    coaching_training,
    datasets,
    demo,
    forecast,
    goals,
    imports,
    inquiries,
    kpis,
    pay,
    plan_tools,
    plans,
    serve,
    users,
)
