"""Benchmark table for README: `python benchmarks/run_bench.py [domain]` runs tinychat bench at 1 and 2 threads."""

import sys

from tinychat.bench.runner import benchmark, format_table

if __name__ == "__main__":
    domain = sys.argv[1] if len(sys.argv) > 1 else "wearable"
    for threads in (1, 2):
        print(format_table(benchmark(domain, threads=threads, progress=lambda line: print(line, file=sys.stderr))))
        print()
