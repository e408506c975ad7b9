"""CKAN: the catalog as CKAN datasets (mapping, pure) and their push into a CKAN (sync, client injected)."""
