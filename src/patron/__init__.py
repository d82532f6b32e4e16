"""Patron: a client and customer relationship engine for small and mid-sized businesses."""

__version__ = "0.1.0"
