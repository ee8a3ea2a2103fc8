"""Forecast use cases: weekly submissions and overrides, roll-ups through the reporting lines, weekly
snapshots and the errors of closed periods. Uses the ports; never imports the store.
"""
