"""Requests to queries: row and summary parameters, keyset cursors, shared caches."""
