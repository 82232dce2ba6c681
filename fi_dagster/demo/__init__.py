"""Synthetic OTLP trace generator for demos, tests and benchmarks."""

from fi_dagster.demo.generator import GenerationSummary, generate_day
from fi_dagster.demo.regression import Regression

__all__ = ["GenerationSummary", "Regression", "generate_day"]
