"""Data packages on disk: loading them into typed models, building and validating them."""

from opendata.catalog.loader import Catalog, load_catalog, load_package
from opendata.catalog.models import Field, Package, Resource

__all__ = ["Catalog", "Field", "Package", "Resource", "load_catalog", "load_package"]
