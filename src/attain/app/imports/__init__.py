"""Imports: files or generated data -> typed fact frames -> validated, all-or-nothing batches in the store."""
