"""Table stores: the TableStore protocol (base) and its backends. All SQL lives here."""
