"""Formats: the cell codec at the bottom, then one module per format behind one registry.

A writer turns a `Table` (typed columns, an iterator of stored rows and the dataset's
metadata) into byte chunks. Every output that offers formats (API paths, web downloads,
the zip, CKAN resources, DCAT and schema.org distributions) lists them from `registry`.
"""
