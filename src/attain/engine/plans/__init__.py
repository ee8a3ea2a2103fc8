"""Packaged plan documents: the documented example plans the demo company and the golden tests use."""
