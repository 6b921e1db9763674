"""paperboy: a self-hosted hub for research papers."""

__version__ = "0.1.0"
