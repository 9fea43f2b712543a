"""The compiled-bundle backend: needs only TVM's runtime library, never its compiler or torch.

``TVM_USE_RUNTIME_LIB=1`` makes ``import tvm`` load the 3 MB runtime instead of the full
compiler; torch is kept out of the process (tvm_ffi would import it, if installed, for a
faster DLPack path we don't use), which keeps a parser process near 80 MB.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from tinychat.model.config import ModelConfig


def import_tvm_runtime() -> Any:
    """``tvm`` with only its runtime library loaded (unless the compiler is already in the process)."""
    if "tvm" not in sys.modules:
        os.environ.setdefault("TVM_USE_RUNTIME_LIB", "1")
        if "torch" not in sys.modules:
            sys.modules["torch"] = None  # type: ignore[assignment]
            try:
                import tvm
            finally:
                del sys.modules["torch"]
            return tvm
    import tvm

    return tvm


class TVMBackend:
    """Runs a compiled model through TVM's Relax VM with its paged KV cache (one sequence)."""

    def __init__(self, library: Path, config: ModelConfig, params: list[np.ndarray], device: str = "cpu",
                 threads: int | None = None) -> None:
        if threads:
            os.environ["TVM_NUM_THREADS"] = str(threads)
        tvm = import_tvm_runtime()
        from tvm.runtime.vm import VirtualMachine

        if device == "cuda":
            from tinychat.runtime.gpu import load_cuda_runtime

            if not load_cuda_runtime():
                raise OSError("TVM's CUDA runtime cannot be loaded (libtvm_runtime_cuda.so, libcudart.so.13, "
                              "libcuda.so.1)")

        self.config = config
        self._tvm = tvm
        self.device = tvm.runtime.device(device, 0)
        self._vm = VirtualMachine(tvm.runtime.load_module(str(library)), self.device)
        self._params = [tvm.runtime.tensor(p, self.device) for p in params]
        self._prefill, self._decode = self._vm["prefill"], self._vm["decode"]
        shape = tvm.runtime.ShapeTuple
        self._shape = shape
        length = config.max_position_embeddings
        self._cache = self._vm["create_paged_kv_cache"](shape([1]), shape([length]), shape([length]),
                                                         shape([16]), shape([0]))
        get = tvm.get_global_func
        self._add, self._remove = get("vm.builtin.kv_state_add_sequence"), get("vm.builtin.kv_state_remove_sequence")
        self._begin, self._end = get("vm.builtin.kv_state_begin_forward"), get("vm.builtin.kv_state_end_forward")
        self._live = False

    def prefill(self, ids: list[int]) -> np.ndarray:
        if self._live:
            self._remove(self._cache, 0)
        self._add(self._cache, 0)
        self._live = True
        return self._run(self._prefill, ids)

    def extend(self, ids: list[int]) -> np.ndarray:
        return self._run(self._decode if len(ids) == 1 else self._prefill, ids)

    def _run(self, function: Any, ids: list[int]) -> np.ndarray:
        tokens = self._tvm.runtime.tensor(np.asarray([ids], dtype=np.int32), self.device)
        self._begin(self._cache, self._shape([0]), self._shape([len(ids)]))
        out = function(tokens, self._cache, self._params)
        self._end(self._cache)
        logits = out[0] if not hasattr(out, "numpy") else out
        return logits.numpy().reshape(-1)
