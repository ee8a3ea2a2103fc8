"""The demo company: a seeded generator of a realistic sales org and its history (`attain demo`).

May import attain.app and attain.domain, never attain.store: the company is loaded through load_batch.
"""
