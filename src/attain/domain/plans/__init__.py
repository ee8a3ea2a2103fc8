"""Plans as code: the positioned source tree, the expression language, the typed plan model and its compiler.

Pure: no YAML, no I/O. A reader (attain.engine.plan_source) turns text into the positioned tree.
"""
