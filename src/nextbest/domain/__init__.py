"""Pure domain model: frozen dataclasses and closed sets, no I/O."""
