"""Use cases: import, init, demo loading, runs, close; they own transactions. No SQL, no HTTP."""
