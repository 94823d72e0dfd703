"""iiv: informational interviews in plain text."""

__version__ = "0.1.0"
