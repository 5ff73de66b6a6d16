"""Stand-in for `neuronxcc.nki`: `jit` runs the kernel eagerly on numpy, once or over an SPMD
grid (trnsim_nki.spmd); `baremetal`, `benchmark` and `profile` behave as the SDK documents
them for a harness (_device_runs.py)."""
import functools

import numpy as np

from trnsim_nki import spmd

from . import _runtime, isa, language  # noqa: F401

_runtime.accept_mask(isa)  # every nisa call takes mask=


def _numpy_in_out(function):
    """Called with numpy arrays, as on a device, the kernel gets them as HBM tiles of their
    dtype and returns its outputs as numpy arrays (float32 values of that dtype)."""
    @functools.wraps(function)
    def run(*args, **kwargs):
        if not any(isinstance(a, np.ndarray) for a in args):
            return function(*args, **kwargs)
        tiles = []
        for a in args:
            if isinstance(a, np.ndarray):
                dtype = _runtime.DType(str(a.dtype))
                a = _runtime.Tile(_runtime.round_to(dtype, a.astype(np.float32)), dtype, "hbm")
            tiles.append(a)
        result = function(*tiles, **kwargs)
        if isinstance(result, tuple):
            return tuple(r.values.copy() for r in result)
        return result.values.copy()
    return run


def jit(kernel=None, **options):
    if kernel is None:
        return lambda k: jit(k)
    return spmd.Kernel(_numpy_in_out(kernel), lambda count, name: range(count))


trace = jit
from ._device_runs import baremetal, benchmark, profile  # noqa: E402,F401
