"""The `attain` command line (Typer): maps domain errors to exit codes and messages."""
