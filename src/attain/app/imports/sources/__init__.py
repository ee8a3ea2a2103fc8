"""Built-in sources: adapters that read a known dataset folder into a `Batch` of typed fact frames."""
