"""Benchmarks at archive scale: a synthetic archive generator and the `scripts/bench` runner."""
