"""The embedded query engine: SQLite built from the packages, read with parameterised SQL."""
