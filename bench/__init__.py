"""Measurements of the similarity engine: `python -m bench` (speed) and `python -m bench.dupes` (quality)."""
