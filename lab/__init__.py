"""PyTorch GPU Lab — module 1 course package: exercises, instant checks, reference solutions, data."""

__version__ = "0.1.0"
