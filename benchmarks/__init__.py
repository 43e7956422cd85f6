"""The speed suite of aid_engine: synthetic declarations, a NumPy reference, and the benchmarks.

`python -m benchmarks.run` (or `python benchmarks/run.py`) prints every figure; see `benchmarks/README.md`.
"""
