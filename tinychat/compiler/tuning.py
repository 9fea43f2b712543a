"""MetaSchedule tuning: measured schedules for a target's kernels, kept in a database per target.

Our rules (``pipeline.py``) schedule every kernel at once. Tuning measures candidates on the
target itself (on this machine for the host, on a board through TVM's RPC tracker) and keeps
the fastest per kernel in ``compiled/tuning/<target>/``, a MetaSchedule JSON database that
every later compile for that target applies. The rule's own schedule is measured and recorded
first, so the search starts from it and no record measures slower than the rule alone (in
the decode chain it can be: measure with ``benchmarks/tuning_gain.py``). Only x·Wᵀ kernels of
static shape are tuned: the decode step's (the prefill's sequence length is symbolic).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import tvm
from pydantic import BaseModel, ConfigDict, Field
from tvm import s_tir, tirx

#: the JSON database MetaSchedule keeps in a work directory
DATABASE_FILES = ("database_workload.json", "database_tuning_record.json")


class RPCTracker(BaseModel):
    """Where a board's ``python -m tvm.exec.rpc_server`` registered: ``KEY@HOST:PORT`` on the command line."""

    model_config = ConfigDict(frozen=True)
    key: str = Field(min_length=1)
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)

    @classmethod
    def parse(cls, text: str) -> RPCTracker:
        key, at, address = text.partition("@")
        host, colon, port = address.rpartition(":")
        if not (key and at and host and colon and port.isdigit()):
            raise ValueError(f"RPC tracker {text!r}: expected KEY@HOST:PORT, e.g. rpi4@192.168.1.20:9190")
        return cls(key=key, host=host, port=int(port))


class Tuning(BaseModel):
    """A target's tuning database, and how many new trials to measure into it before compiling."""

    model_config = ConfigDict(frozen=True)
    database: Path
    trials: int = Field(default=0, ge=0)
    #: threads the bundle runs with on the target (its descriptor's ``threads``)
    cores: int = Field(default=2, ge=1)
    rpc: RPCTracker | None = None


def default_database(target_name: str) -> Path:
    return Path("compiled") / "tuning" / target_name


def has_records(database: Path) -> bool:
    return all((database / name).is_file() and (database / name).stat().st_size > 0 for name in DATABASE_FILES)


def tunable_kernels(module: tvm.IRModule, rules: Callable[[tirx.PrimFunc], s_tir.Schedule | None],
                    ) -> dict[str, tuple[tirx.PrimFunc, s_tir.Schedule]]:
    """The x·Wᵀ kernels (those ``rules`` schedule) of static shape, each with the rule's schedule.

    The small element-wise kernels are left out: measured alone a parallel schedule looks fast,
    but in the decode chain each parallel launch costs more than the work (tuning them made
    decode 0.53x as fast).
    """
    from tvm.s_tir.meta_schedule.arg_info import ArgInfo

    picked = {}
    for var, func in module.functions.items():
        if not isinstance(func, tirx.PrimFunc) or func.attrs.get("tirx.is_scheduled", False):
            continue
        rule = rules(func)
        if rule is None:
            continue
        try:
            ArgInfo.from_prim_func(func)
        except TypeError:  # a symbolic dimension
            continue
        picked[var.name_hint] = (func, rule)
    return picked


def tune_kernels(module: tvm.IRModule, target: Any, tuning: Tuning,
                 rules: Callable[[tirx.PrimFunc], s_tir.Schedule | None], progress: Callable[[str], None]) -> None:
    """Measure ``module``'s tunable kernels on the target, adding the best schedules to ``tuning.database``.

    ``rules`` gives our rule's ``s_tir.Schedule`` of a kernel (None where no rule applies).
    """
    from tvm.s_tir import meta_schedule as ms

    kernels = tunable_kernels(module, rules)
    if not kernels:
        return
    where = f"over RPC on {tuning.rpc.key}@{tuning.rpc.host}:{tuning.rpc.port}" if tuning.rpc else "here"
    progress(f"      tuning {len(kernels)} kernels with {tuning.trials} trials, measured {where}")
    tuning.database.mkdir(parents=True, exist_ok=True)
    measured_on = tvm.target.Target({**target.export(), "num-cores": tuning.cores})
    database = ms.database.JSONDatabase(work_dir=str(tuning.database))
    runner = _runner(tuning)
    builder = ms.builder.LocalBuilder()
    for func, rule in kernels.values():
        _record_rule(func, rule, measured_on, database, builder, runner)
    _drop_unnamed_handlers()
    # xgboost's learned cost model where it is installed; without it candidates are drawn at random
    cost_model = "xgb" if find_spec("xgboost") else "random"
    untuned = tvm.IRModule({name: func for name, (func, _) in kernels.items()})
    ms.tune_tir(untuned, measured_on, str(tuning.database), max_trials_global=tuning.trials,
                num_trials_per_iter=min(64, max(tuning.trials, 2)), builder=builder, runner=runner,
                database=database, cost_model=cost_model, seed=0)


def apply_database_pass(database: Path) -> Any:
    """Each kernel the database has a record of gets its best measured schedule."""
    return tvm.relax.transform.MetaScheduleApplyDatabase(str(database))


def _drop_unnamed_handlers() -> None:
    """MetaSchedule rebuilds its logging config from its logger's handler names and fails on an unnamed one
    (left there by an earlier tuning run in the same process)."""
    import logging

    log = logging.getLogger("tvm.s_tir.meta_schedule")
    for handler in list(log.handlers):
        if handler.get_name() is None:
            log.removeHandler(handler)


def _runner(tuning: Tuning) -> Any:
    from tvm.s_tir import meta_schedule as ms

    if tuning.rpc is None:
        return ms.runner.LocalRunner()
    config = ms.runner.RPCConfig(tracker_host=tuning.rpc.host, tracker_port=tuning.rpc.port,
                                 tracker_key=tuning.rpc.key, session_timeout_sec=120)
    return ms.runner.RPCRunner(config)


def _record_rule(func: tirx.PrimFunc, schedule: s_tir.Schedule, target: Any, database: Any,
                 builder: Any, runner: Any) -> None:
    """Measure our rule's schedule of ``func`` and record it, the search's starting point."""
    from tvm.s_tir import meta_schedule as ms
    from tvm.s_tir.meta_schedule.arg_info import ArgInfo
    from tvm.s_tir.meta_schedule.tune_context import _normalize_mod

    built = builder.build([ms.builder.BuilderInput(schedule.mod, target)])[0]
    if built.error_msg:
        return
    args = ArgInfo.from_prim_func(func)
    run_secs = runner.run([ms.runner.RunnerInput(built.artifact_path, target.kind.name, args)])[0].result().run_secs
    if not run_secs:
        return
    workload = database.commit_workload(_normalize_mod(func))
    database.commit_tuning_record(ms.database.TuningRecord(schedule.trace, workload, run_secs, target, args))
