"""Measuring colorizers: metrics, evaluation and comparison (returning data), reports, speed."""
