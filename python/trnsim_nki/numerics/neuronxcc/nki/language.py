"""Stand-in for `neuronxcc.nki.language` (nl): allocation, loops, load/store, copy."""
import numpy as np

from trnsim_nki import spmd

from ._runtime import DType, Tile, as_tile, record, round_to

bfloat16 = DType("bfloat16")
float16 = DType("float16")
float32 = DType("float32")

sbuf, psum, hbm, shared_hbm, private_hbm = "sbuf", "psum", "hbm", "shared_hbm", "private_hbm"

add, subtract, multiply, maximum, minimum = np.add, np.subtract, np.multiply, np.maximum, np.minimum
exp, tanh = np.exp, np.tanh


def relu(x):
    return np.maximum(x, 0.0)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def silu(x):
    return x * sigmoid(x)


def par_dim(n):
    return n


class tile_size:  # noqa: N801 (NKI's name): as the tracing stand-in's
    pmax = 128
    psum_fmax = 512
    gemm_stationary_fmax = 128
    gemm_moving_fmax = 512


def affine_range(*args):
    return range(*args)


def sequential_range(*args):
    return range(*args)


def static_range(*args):
    return range(*args)


program_id, num_programs, program_ndim = spmd.program_id, spmd.num_programs, spmd.program_ndim


def ndarray(shape, dtype, buffer):
    # NaN, like NKI's own simulator, so that reading memory nobody wrote shows up.
    return Tile(np.full(shape, np.nan, dtype=np.float32), dtype, buffer)


def zeros(shape, dtype, buffer):
    return Tile(np.zeros(shape, dtype=np.float32), dtype, buffer)


def load(src):
    src = as_tile(src, float32, hbm)
    record("DMA_COPY hbm->sbuf", *src.shape)
    return Tile(src.values.copy(), src.dtype, sbuf)


def load_transpose2d(src):
    src = as_tile(src, float32, hbm)
    record("DMA_TRANSPOSE hbm->sbuf", src.shape[1], src.shape[0])
    return Tile(src.values.T.copy(), src.dtype, sbuf)


def store(dst, value):
    record("DMA_COPY sbuf->hbm", *value.shape)
    dst[...] = value


def copy(x, dtype=None):
    record("TENSOR_COPY", *x.shape)
    dtype = dtype or x.dtype
    return Tile(round_to(dtype, x.values), dtype, sbuf)


def matmul(x, y, transpose_x=False):
    if not transpose_x:
        raise NotImplementedError("nl.matmul without transpose_x=True is not yet supported")
    from . import isa
    return isa.nc_matmul(x, y)
