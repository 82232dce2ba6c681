"""Benchmarks that print their figures: ``python -m bench <name>`` (see bench/README.md)."""
