"""Stand-in for `neuronxcc.nki.language` (nl): allocation, loops, load/store, copy."""
import numpy as np

from trnsim_nki import spmd

from ._runtime import DType, IndexedView, Tile, as_tile, record, round_to

bfloat16 = DType("bfloat16")
float16 = DType("float16")
float32 = DType("float32")

sbuf, psum, hbm, shared_hbm, private_hbm = "sbuf", "psum", "hbm", "shared_hbm", "private_hbm"

from ._arith import (add, subtract, multiply, divide, maximum, minimum, equal, not_equal,  # noqa
                     greater, greater_equal, less, less_equal, exp, log, tanh, sigmoid, silu,
                     gelu, relu, rsqrt, sqrt, square, reciprocal, sum, max, min, mean,
                     loop_reduce)


class _ParDim(int):
    """`nl.par_dim(n)`: an int that marks the partition dimension of a tile's shape."""


def par_dim(n):
    return _ParDim(n)


class tile_size:  # noqa: N801 (NKI's name)
    pmax = 128
    psum_fmax = 512
    gemm_stationary_fmax = 128
    gemm_moving_fmax = 512
    bn_stats_fmax = 512


def static_range(*args):
    return range(*args)


program_id, num_programs, program_ndim = spmd.program_id, spmd.num_programs, spmd.program_ndim


def affine_range(*args):
    return range(*args)


def sequential_range(*args):
    return range(*args)


def arange(*args):
    return np.arange(*args)


class _Grid(tuple):
    """`nl.mgrid[...]`: one index array per axis, with NKI's field names."""
    p = property(lambda self: self[0])
    x = property(lambda self: self[1])
    y = property(lambda self: self[2])
    z = property(lambda self: self[3])


class _MGrid:
    def __getitem__(self, slices):
        return _Grid(np.mgrid[slices])


mgrid = _MGrid()


def ds(start, size):
    return slice(start, start + size)


def ndarray(shape, dtype, buffer=sbuf):
    # NaN, like NKI's own simulator, so that reading memory nobody wrote shows up.
    return Tile(np.full(shape, np.nan, dtype=np.float32), dtype, buffer)


def zeros(shape, dtype, buffer=sbuf):
    _memsets(shape, buffer)
    return Tile(np.zeros(shape, dtype=np.float32), dtype, buffer)


def full(shape, fill_value, dtype, buffer=sbuf):
    _memsets(shape, buffer)
    return Tile(np.full(shape, fill_value, dtype=np.float32), dtype, buffer)


def ones(shape, dtype, buffer=sbuf):
    return full(shape, 1.0, dtype, buffer)


def _memsets(shape, buffer):
    """What the tracer lowers an SBUF fill to: one MEMSET per block, [partitions, free]
    (the dimensions before nl.par_dim are blocks; without it, the first is the partitions)."""
    if buffer != sbuf:
        return
    shape = tuple(shape)
    at = next((i for i, d in enumerate(shape) if isinstance(d, _ParDim)), 0)
    free = int(np.prod(shape[at + 1:], dtype=np.int64)) if len(shape) > at + 1 else 1
    for _ in range(int(np.prod(shape[:at], dtype=np.int64))):
        record("MEMSET", shape[at], free, engine=None)


def _flat(shape):
    """A tile shape as the simulator records it: partitions x free elements."""
    free = 1
    for d in shape[1:]:
        free *= d
    return (shape[0], free) if shape else (1, 1)


def broadcast_to(src, shape):
    return Tile(np.broadcast_to(src.values, tuple(shape)), src.dtype, src.buffer)


def load(src, mask=None, dtype=None):
    if not isinstance(src, (Tile, IndexedView)):
        src = as_tile(src, float32, hbm)
    record("DMA_COPY hbm->sbuf", *_flat(src.shape))
    dtype = dtype or src.dtype
    return Tile(round_to(dtype, src.read(mask)), dtype, sbuf, mask)


def load_transpose2d(src, mask=None):
    src = as_tile(src, float32, hbm)
    record("DMA_TRANSPOSE hbm->sbuf", src.shape[1], src.shape[0])
    return Tile(src.read(mask).T.copy(), src.dtype, sbuf)


def store(dst, value, mask=None):
    record("DMA_COPY sbuf->hbm", *_flat(value.shape))
    dst.write(value, mask)


def copy(x, dtype=None):
    record("TENSOR_COPY", *x.shape, engine=None)
    dtype = dtype or x.dtype
    return Tile(round_to(dtype, x.values), dtype, sbuf)


def matmul(x, y, transpose_x=False):
    if not transpose_x:
        raise NotImplementedError("nl.matmul without transpose_x=True is not yet supported")
    from . import isa
    return isa.nc_matmul(x, y)


def shared_constant(constant, dtype=None):
    """A read-only HBM tensor holding `constant` (rounded to dtype, float32 by default)."""
    dtype = dtype or float32
    return Tile(round_to(dtype, np.asarray(constant, dtype=np.float32)), dtype, hbm)
