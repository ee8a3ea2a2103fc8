"""The fast engine: compiled plans run as a relational program on DuckDB, matching the reference to the cent.

`evaluate_fast` returns exactly the reference evaluator's rows; `run_period` reads large facts as Arrow
tables; `WhatIf` re-evaluates one payee with one extra order. Imports no store and no web code.
"""

from attain.engine.relational.engine import evaluate_fast, run_period
from attain.engine.relational.facts import FactTables
from attain.engine.relational.whatif import WhatIf

__all__ = ["FactTables", "WhatIf", "evaluate_fast", "run_period"]
