"""Stand-in for `neuronxcc.nki.language` (nl): allocation, loops, load/store, copy."""
import numpy as np

from ._runtime import DType, Tile, as_tile, record, round_to

bfloat16 = DType("bfloat16")
float16 = DType("float16")
float32 = DType("float32")

sbuf, psum, hbm, shared_hbm, private_hbm = "sbuf", "psum", "hbm", "shared_hbm", "private_hbm"

from ._arith import (add, subtract, multiply, divide, maximum, minimum, equal, not_equal,  # noqa
                     greater, greater_equal, less, less_equal, exp, log, tanh, sigmoid, silu,
                     gelu, relu, rsqrt, sqrt, square, reciprocal, sum, max, min, mean,
                     loop_reduce)


def par_dim(n):
    return n


def affine_range(n):
    return range(n)


def sequential_range(n):
    return range(n)


def ndarray(shape, dtype, buffer):
    # NaN, like NKI's own simulator, so that reading memory nobody wrote shows up.
    return Tile(np.full(shape, np.nan, dtype=np.float32), dtype, buffer)


def zeros(shape, dtype, buffer):
    if buffer == sbuf:  # one MEMSET per block, as the tracer lowers it (PSUM: none)
        for _ in range(int(np.prod(shape[:-2], dtype=np.int64))):
            record("MEMSET", shape[-2], shape[-1])
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
