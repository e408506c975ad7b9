"""Flask-free views of published datasets that every output (api, web, harvest, ckan) serialises.

The outputs never import one another (`make lint` checks it with import-linter): what two
of them share lives here or below.
"""
