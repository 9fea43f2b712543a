"""Relax → TIR pipelines per target kind, with tinychat's own CPU schedule rules.

On CPUs the stock dlight GEMV rule vectorises across output rows, so weights are read as
strided gathers. ``schedule_nt_matmul`` instead splits each row's reduction into SIMD lanes
(contiguous weight loads), sums the lanes at the end, and runs output rows in parallel; for
prefill the row tile stays in cache while every prompt token streams over it. It works for
any shape (lane count and tile are chosen from the extents) and for the dequantizing q8/q4
matmuls. Kernels it does not match keep TVM's default lowering (plain loops), which for
RMSNorm is faster than dlight's reduction rule on these sizes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tvm
from tvm import s_tir, tirx

from tinychat.compiler.tuning import Tuning, apply_database_pass, has_records, tune_kernels

_LANES = (16, 8, 4, 2)
_ROW_TILES = (16, 8, 4, 2, 1)


def relax_pipeline(target: Any, tuning: Tuning | None = None, progress: Callable[[str], None] = print) -> Any:
    """The module pass that lowers our Relax model for ``target``.

    With ``tuning``, its database's records are applied before our rules (which then schedule
    the kernels it has no record of), after ``tuning.trials`` new measurements on CPUs.
    """
    from tvm.relax.backend.cpu_generic import pipeline as cpu

    if target.kind.name == "llvm":
        schedule = [cpu_schedule_pass()]
    else:
        from tvm.s_tir import dlight as dl

        schedule = [dl.ApplyDefaultSchedule(dl.gpu.Matmul(), dl.gpu.GEMV(), dl.gpu.LowBatchGEMV(),
                                            dl.gpu.Reduction(), dl.gpu.GeneralReduction(), dl.gpu.Fallback())]

    @tvm.transform.module_pass(opt_level=0, name="TinychatPipeline")
    def lower(module: tvm.IRModule, _context: Any) -> tvm.IRModule:
        with target:
            module = tvm.transform.Sequential(cpu.library_dispatch_passes(target) + cpu.legalize_passes(target))(module)
            if tuning is not None and tuning.trials and target.kind.name == "llvm":
                tune_kernels(module, target, tuning, nt_matmul_schedule, progress)
            recorded = tuning is not None and has_records(tuning.database)
            tuned = [apply_database_pass(tuning.database)] if recorded else []  # type: ignore[union-attr]
            passes = tuned + schedule + cpu.dataflow_lower_passes(target) + cpu.finalize_passes(target)
            return tvm.transform.Sequential(passes)(module)

    return lower


def cpu_schedule_pass() -> Any:
    @tvm.transform.module_pass(opt_level=0, name="TinychatCPUSchedules")
    def apply(module: tvm.IRModule, _context: Any) -> tvm.IRModule:
        updates = {}
        for var, func in module.functions.items():
            if isinstance(func, tirx.PrimFunc) and not func.attrs.get("tirx.is_scheduled", False):
                scheduled = schedule_nt_matmul(func)
                if scheduled is not None:
                    updates[var] = scheduled
        for var, func in updates.items():
            module[var] = func
        return module

    return apply


def schedule_nt_matmul(func: tirx.PrimFunc) -> tirx.PrimFunc | None:
    """Schedule a (1, seq, N) = x(1, seq, K) · W(N, K)ᵀ kernel, maybe with a fused epilogue; None if not one."""
    sch = nt_matmul_schedule(func)
    return None if sch is None else sch.mod["main"].with_attr("tirx.is_scheduled", True)


def nt_matmul_schedule(func: tirx.PrimFunc) -> s_tir.Schedule | None:
    """Our rule's schedule of an x · Wᵀ kernel (its trace is what tuning starts from); None if not one."""
    sch = s_tir.Schedule(func)
    try:
        block = sch.get_sblock("NT_matmul")
    except Exception:  # noqa: BLE001 - the kernel is not one of ours
        return None
    loops = sch.get_loops(block)
    if len(loops) != 4:
        return None
    extents = [sch.get(loop).extent for loop in loops]
    if not all(isinstance(extents[i], tirx.IntImm) for i in (0, 2, 3)) or int(extents[0]) != 1:
        return None
    rows, depth = int(extents[2]), int(extents[3])
    lanes = next((n for n in _LANES if depth % n == 0), None)
    tile = next(n for n in _ROW_TILES if rows % n == 0)
    if lanes is None:
        return None
    prefill = not isinstance(extents[1], tirx.IntImm) or int(extents[1]) > 1
    consumers = sch.get_consumers(block)
    _, token, row, reduction = loops
    _, lane = sch.split(reduction, [None, lanes])
    partial = sch.rfactor(lane, 0)
    _, token, row, lane_outer, lane_inner = sch.get_loops(partial)
    row_outer, row_inner = sch.split(row, [None, tile])
    if prefill:
        sch.reorder(row_outer, row_inner, token)
        anchor = token
    else:
        anchor = row_inner
    sch.parallel(row_outer)
    sch.reverse_compute_at(block, anchor)
    for consumer in consumers:
        sch.reverse_compute_at(consumer, anchor)
    sch.vectorize(lane_inner)
    sch.decompose_reduction(partial, lane_outer)
    return sch

