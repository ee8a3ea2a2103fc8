"""Runs, period close, the ledger, statements, exports and inquiries: the use cases of incentive pay.

Imports attain.engine and attain.domain; storage only through the ports in `ports.py`.
"""
