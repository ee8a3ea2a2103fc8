"""Sales forecasting as data: statistical forecasts with backtests, hierarchies that add up, pipeline win
probabilities, and accuracy metrics. Pure functions over Polars frames and NumPy arrays; no SQL, no clock.
"""
