"""Benchmarks: tinychat bundles against the engines a prototyper would otherwise use."""
