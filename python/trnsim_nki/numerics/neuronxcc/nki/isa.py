"""Stand-in for `neuronxcc.nki.isa` (nisa): the engine instructions."""
import numpy as np

from . import language as nl
from ._runtime import Tile, record, round_to


def nc_matmul(stationary, moving):
    k, m = stationary.shape
    n = moving.shape[1]
    record("MATMUL", k, m, n)
    return Tile(stationary.values.T.astype(np.float32) @ moving.values.astype(np.float32), nl.float32, nl.psum)


def nc_transpose(x):
    record("TRANSPOSE", *x.shape)
    return Tile(x.values.T.copy(), nl.float32, nl.psum)


def dma_copy(dst, src):
    record("DMA_COPY sbuf->sbuf", *src.shape)
    dst[...] = src


vector_engine, scalar_engine, gpsimd_engine, tensor_engine = "Vector", "Scalar", "GpSimd", "Tensor"
unknown_engine = None


def tensor_tensor(a, b, op, dtype=None, mask=None, engine=None):
    record("TENSOR_TENSOR", *a.shape)
    dtype = dtype or a.dtype
    return Tile(round_to(dtype, op(a.values, b.values)), dtype, nl.sbuf)


def _operand(x):
    """A number, or a [P, 1] tile of per-partition scalars (broadcast along the free axis)."""
    return x.values if isinstance(x, Tile) else np.float32(x)


def _apply(op, x, operand, reverse):
    return op(operand, x) if reverse else op(x, operand)


def tensor_scalar(data, op0, operand0, reverse0=False, op1=None, operand1=None, reverse1=False,
                  dtype=None, mask=None, engine=None):
    record("TENSOR_SCALAR", *data.shape)
    dtype = dtype or data.dtype
    values = np.asarray(_apply(op0, data.values, _operand(operand0), reverse0), np.float32)
    if op1 is not None:  # the engine computes in fp32 between the two ops (A2)
        values = np.asarray(_apply(op1, values, _operand(operand1), reverse1), np.float32)
    return Tile(round_to(dtype, values), dtype, nl.sbuf)


def activation(op, data, bias=None, scale=1.0, dtype=None, mask=None):
    record("ACTIVATE", *data.shape)
    dtype = dtype or data.dtype
    x = data.values * _operand(scale)
    if bias is not None:
        x = x + _operand(bias)
    values = x if op is nl.copy else op(x)
    return Tile(round_to(dtype, values), dtype, nl.sbuf)


def memset(shape, value, dtype):
    record("MEMSET", *shape)
    return Tile(np.full(shape, value, dtype=np.float32), dtype, nl.sbuf)


def iota(expr, dtype, mask=None):
    values = np.asarray(expr, dtype=np.float32)
    values = values.reshape((1,) * (2 - values.ndim) + values.shape)
    record("IOTA", *values.shape)
    return Tile(round_to(dtype, values), dtype, nl.sbuf)


def affine_select(pred, on_true_tile, on_false_value, dtype=None, mask=None):
    record("AFFINE_SELECT", *on_true_tile.shape)
    dtype = dtype or on_true_tile.dtype
    values = np.where(np.asarray(pred), on_true_tile.values, np.float32(on_false_value))
    return Tile(round_to(dtype, values), dtype, nl.sbuf)


def reciprocal(data, dtype=None, mask=None):
    record("RECIPROCAL", *data.shape)
    dtype = dtype or data.dtype
    return Tile(round_to(dtype, np.float32(1) / data.values), dtype, nl.sbuf)


def tensor_tensor_scan(data0, data1, initial, op0, op1, reverse0=False, reverse1=False,
                       dtype=None, mask=None):
    record("TENSOR_TENSOR_SCAN", *data0.shape)
    dtype = dtype or data0.dtype
    a, b = data0.values.astype(np.float32), data1.values.astype(np.float32)
    previous = np.broadcast_to(_operand(initial), (a.shape[0], 1))[:, 0].astype(np.float32)
    out = np.empty_like(a)
    for i in range(a.shape[1]):
        first = np.asarray(_apply(op0, a[:, i], previous, reverse0), np.float32)
        previous = np.asarray(_apply(op1, first, b[:, i], reverse1), np.float32)
        out[:, i] = previous
    return Tile(round_to(dtype, out), dtype, nl.sbuf)


def tensor_reduce(op, data, axis, dtype=None, negate=False, keepdims=False, mask=None):
    record("TENSOR_REDUCE", *data.shape)
    dtype = dtype or data.dtype
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    reduce = getattr(op, "reduce", None) or op  # a ufunc's reduce, or np.max / np.sum
    values = reduce(data.values, axis=axis, keepdims=True)
    return Tile(round_to(dtype, -values if negate else values), dtype, nl.sbuf)


def tensor_copy(src, dtype=None, mask=None, engine=None):
    record("TENSOR_COPY", *src.shape)
    dtype = dtype or src.dtype
    return Tile(round_to(dtype, src.values), dtype, nl.sbuf)
