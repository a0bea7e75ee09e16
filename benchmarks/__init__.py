"""Benchmarks for plaincrm; `benchmarks.generate.generate` builds synthetic repositories."""
