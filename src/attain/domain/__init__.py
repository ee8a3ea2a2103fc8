"""Pure domain: money, calendars and periods, the fact schemas, errors. Imports no I/O framework."""
