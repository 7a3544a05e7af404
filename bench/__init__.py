"""Benchmarks: `make bench` runs them all and rewrites BENCHMARKS.md with the figures."""
