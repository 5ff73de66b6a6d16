"""Stand-in for `neuronxcc.nki.isa` (nisa): the engine instructions."""
import numpy as np

from . import language as nl
from ._runtime import Tile, partitions_by_free, record, round_to

vector_engine, scalar_engine, gpsimd_engine, tensor_engine = "Vector", "Scalar", "GpSimd", "Tensor"
unknown_engine = None


def nc_matmul(stationary, moving):
    k, m = stationary.shape
    n = moving.shape[1]
    record("MATMUL", k, m, n, engine=tensor_engine)
    return Tile(stationary.values.T.astype(np.float32) @ moving.values.astype(np.float32), nl.float32, nl.psum)


def nc_transpose(x, engine=None):
    record("TRANSPOSE", *partitions_by_free(x.shape), engine=engine)
    return Tile(x.values.T.copy(), nl.float32, nl.psum)


def dma_copy(dst, src):
    record("DMA_COPY sbuf->sbuf", *partitions_by_free(src.shape))
    dst[...] = src


def tensor_tensor(a, b, op, dtype=None, mask=None, engine=None):
    record("TENSOR_TENSOR", *partitions_by_free(a.shape), engine=engine)
    dtype = dtype or a.dtype
    return Tile(round_to(dtype, op(a.values, b.values)), dtype, nl.sbuf)


def _operand(x):
    """A number, or a [P, 1] tile of per-partition scalars (broadcast along the free axis)."""
    return x.values if isinstance(x, Tile) else np.float32(x)


def _apply(op, x, operand, reverse):
    return op(operand, x) if reverse else op(x, operand)


def tensor_scalar(data, op0, operand0, reverse0=False, op1=None, operand1=None, reverse1=False,
                  dtype=None, mask=None, engine=None):
    record("TENSOR_SCALAR", *partitions_by_free(data.shape), engine=engine)
    dtype = dtype or data.dtype
    values = np.asarray(_apply(op0, data.values, _operand(operand0), reverse0), np.float32)
    if op1 is not None:  # the engine computes in fp32 between the two ops (A2)
        values = np.asarray(_apply(op1, values, _operand(operand1), reverse1), np.float32)
    return Tile(round_to(dtype, values), dtype, nl.sbuf)


def activation(op, data, bias=None, scale=1.0, dtype=None, mask=None):
    record("ACTIVATE", *partitions_by_free(data.shape), engine=scalar_engine)
    dtype = dtype or data.dtype
    x = data.values * _operand(scale)
    if bias is not None:
        x = x + _operand(bias)
    values = x if op is nl.copy else op(x)
    return Tile(round_to(dtype, values), dtype, nl.sbuf)


def memset(shape, value, dtype, engine=None):
    record("MEMSET", *shape, engine=engine)
    return Tile(np.full(shape, value, dtype=np.float32), dtype, nl.sbuf)


def iota(expr, dtype, mask=None):
    values = np.asarray(expr, dtype=np.float32)
    values = values.reshape((1,) * (2 - values.ndim) + values.shape)
    record("IOTA", *partitions_by_free(values.shape), engine=gpsimd_engine)
    return Tile(round_to(dtype, values), dtype, nl.sbuf)


def affine_select(pred, on_true_tile, on_false_value, dtype=None, mask=None):
    record("AFFINE_SELECT", *partitions_by_free(on_true_tile.shape), engine=gpsimd_engine)
    dtype = dtype or on_true_tile.dtype
    values = np.where(np.asarray(pred), on_true_tile.values, np.float32(on_false_value))
    return Tile(round_to(dtype, values), dtype, nl.sbuf)


def reciprocal(data, dtype=None, mask=None):
    record("RECIPROCAL", *partitions_by_free(data.shape), engine=vector_engine)
    dtype = dtype or data.dtype
    return Tile(round_to(dtype, np.float32(1) / data.values), dtype, nl.sbuf)


def tensor_tensor_scan(data0, data1, initial, op0, op1, reverse0=False, reverse1=False,
                       dtype=None, mask=None):
    record("TENSOR_TENSOR_SCAN", *partitions_by_free(data0.shape), engine=vector_engine)
    dtype = dtype or data0.dtype
    a, b = data0.values.astype(np.float32), data1.values.astype(np.float32)
    previous = np.broadcast_to(_operand(initial), (a.shape[0], 1))[:, 0].astype(np.float32)
    out = np.empty_like(a)
    for i in range(a.shape[1]):
        first = np.asarray(_apply(op0, a[:, i], previous, reverse0), np.float32)
        previous = np.asarray(_apply(op1, first, b[:, i], reverse1), np.float32)
        out[:, i] = previous
    return Tile(round_to(dtype, out), dtype, nl.sbuf)


def _partition_mask(mask, shape):
    """Per partition, whether `mask` selects any element of a [P, ...] operand there."""
    where = np.broadcast_to(mask, shape).reshape(shape[0], -1)
    return where, where.any(axis=1)[:, None]


def bn_stats(data, dtype=None, mask=None):
    """Per partition: (count, mean, variance * count) of the elements at even free positions,
    then at odd ones, over the elements `mask` selects (it shortens the input; the six outputs
    of a selected partition are all written). In float64, rounded once (the simulator's
    sim/model/numerics.cpp does the same)."""
    dtype = dtype or data.dtype
    values = data.read(mask).reshape(data.shape[0], -1).astype(np.float64)
    where, rows = _partition_mask(True if mask is None else mask, data.shape)
    record("BN_STATS", int(rows.sum()), int(where.sum(axis=1).max(initial=0)),
           engine=vector_engine)
    out = np.zeros((data.shape[0], 6))
    for parity in (0, 1):
        x, w = values[:, parity::2], where[:, parity::2]
        count = w.sum(axis=1)
        mean = np.where(w, x, 0).sum(axis=1) / np.maximum(count, 1)
        m2 = np.where(w, (x - mean[:, None]) ** 2, 0).sum(axis=1)
        out[:, 3 * parity:3 * parity + 3] = np.stack([count, mean, m2], axis=1)
    result = Tile(round_to(dtype, out), dtype, nl.sbuf)
    if mask is not None:
        result.values = np.where(rows, result.values, np.float32(np.nan)).astype(np.float32)
        result.mask = rows
    return result


def bn_aggr(data, dtype=None, mask=None):
    """(mean, variance) per partition of the (count, mean, variance * count) triples of
    `data`: Chan et al.'s pairwise combination, in float64, rounded once."""
    dtype = dtype or data.dtype
    record("BN_AGGR", *partitions_by_free(data.shape), engine=vector_engine)
    s = data.values.reshape(data.shape[0], -1, 3).astype(np.float64)
    count, mean, m2 = np.zeros(s.shape[0]), np.zeros(s.shape[0]), np.zeros(s.shape[0])
    for c, m, q in np.moveaxis(s, (1, 2), (0, 1)):  # per triple: [P] counts, means, M2s
        total = count + c
        delta = m - mean
        share = np.divide(c, total, out=np.zeros_like(c), where=total > 0)
        mean = mean + delta * share
        m2 = m2 + q + delta * delta * count * share
        count = total
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.stack([np.where(count > 0, mean, np.nan), m2 / count], axis=1)
    result = Tile(round_to(dtype, out), dtype, nl.sbuf)
    if mask is not None:
        _, rows = _partition_mask(mask, data.shape)
        result.values = np.where(rows, result.values, np.float32(np.nan)).astype(np.float32)
        result.mask = rows
    return result


def tensor_reduce(op, data, axis, dtype=None, negate=False, keepdims=False, mask=None):
    record("TENSOR_REDUCE", *partitions_by_free(data.shape), engine=vector_engine)
    dtype = dtype or data.dtype
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    reduce = getattr(op, "reduce", None) or op  # a ufunc's reduce, or np.max / np.sum
    values = reduce(data.values, axis=axis, keepdims=True)
    return Tile(round_to(dtype, -values if negate else values), dtype, nl.sbuf)


def tensor_copy(src, dtype=None, mask=None, engine=None):
    record("TENSOR_COPY", *partitions_by_free(src.shape), engine=engine)
    dtype = dtype or src.dtype
    return Tile(round_to(dtype, src.values), dtype, nl.sbuf)
