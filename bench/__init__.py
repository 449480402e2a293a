"""Dar's benchmark harness: raw database baselines and Dar's command pipeline, run side by side.

Run it with `python -m bench.run`; it writes `bench/results.json` and `bench/RESULTS.md`.
"""
