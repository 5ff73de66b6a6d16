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


def tensor_tensor(a, b, op, dtype=None):
    record("TENSOR_TENSOR", *a.shape)
    dtype = dtype or a.dtype
    return Tile(round_to(dtype, op(a.values, b.values)), dtype, nl.sbuf)


def tensor_scalar(data, op0, operand0, dtype=None):
    record("TENSOR_SCALAR", *data.shape)
    dtype = dtype or data.dtype
    return Tile(round_to(dtype, op0(data.values, np.float32(operand0))), dtype, nl.sbuf)


def activation(op, data, scale=1.0, dtype=None):
    record("ACTIVATE", *data.shape)
    dtype = dtype or data.dtype
    x = data.values * np.float32(scale)
    values = x if op is nl.copy else op(x)
    return Tile(round_to(dtype, values), dtype, nl.sbuf)


def memset(shape, value, dtype):
    record("MEMSET", *shape)
    return Tile(np.full(shape, value, dtype=np.float32), dtype, nl.sbuf)


def tensor_reduce(op, data, axis, keepdims=True, dtype=None):
    record("TENSOR_REDUCE", *data.shape)
    dtype = dtype or data.dtype
    values = op.reduce(data.values, axis=tuple(axis), keepdims=keepdims)
    return Tile(round_to(dtype, values), dtype, nl.sbuf)
