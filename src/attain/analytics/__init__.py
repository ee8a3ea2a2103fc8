"""The read side: KPI definitions and computations, goals and pace, leaderboards and drill-down.

Pure functions over Polars frames of facts; the store supplies the frames through `ports`. No SQL here.
"""
