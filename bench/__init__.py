"""Measurements: `make bench` (similarity, fan-out, merge), `make eval-dupes` (quality), `make bench-pages`."""
