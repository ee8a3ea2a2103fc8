"""The calculation engine: plan sources, the reference evaluator (the oracle) and, later, the fast engine."""
