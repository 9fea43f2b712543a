"""What MetaSchedule tuning adds over tinychat's schedule rules, measured in one run on this machine.

`python benchmarks/tuning_gain.py [domain] [trials]` compiles the host bundle twice per
quantization: with the rules alone, and after tuning into a fresh database. Both run in their
own processes, alternately, and decode ms/token is compared (ratio > 1: tuning is faster).
"""

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from tinychat.bench.runner import _in_child, _utterances
from tinychat.compiler.build import compile_bundle
from tinychat.compiler.targets import resolve_target
from tinychat.compiler.tuning import Tuning
from tinychat.runtime.parser import resolve_model_dir

ROUNDS = 3


def main(domain: str, trials: int) -> None:
    model_dir = resolve_model_dir(domain)
    target = resolve_target("host")
    texts = _utterances(model_dir)
    work = Path(tempfile.mkdtemp(prefix="tuning-gain-"))
    print("| quant | rules decode ms/token | tuned decode ms/token | gain (rules / tuned) | trials |")
    print("|---|---|---|---|---|")
    for quant in ("q8", "q4"):
        rules, tuned = work / f"{quant}-rules", work / f"{quant}-tuned"
        compile_bundle(model_dir, target, quant, rules, progress=lambda _: None)
        tuning = Tuning(database=work / f"db-{quant}", trials=trials, cores=target.threads)
        compile_bundle(model_dir, target, quant, tuned, tuning=tuning,
                       progress=lambda line: print(line, file=sys.stderr))
        times: dict[Path, list[float]] = {rules: [], tuned: []}
        for _ in range(ROUNDS):
            for bundle in (rules, tuned):
                result = _in_child(f"tinychat-{quant}", str(bundle), target.threads, 20, texts)
                times[bundle].append(result["decode_ms_per_token"])
        base, best = statistics.median(times[rules]), statistics.median(times[tuned])
        print(f"| {quant} | {base:.4f} | {best:.4f} | {base / best:.2f}x | {trials} |", flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "wearable", int(sys.argv[2]) if len(sys.argv) > 2 else 256)
