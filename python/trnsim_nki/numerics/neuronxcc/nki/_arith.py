"""nl.* arithmetic of the numerics stand-in. Each name is one object with two uses, as in NKI:
passed as `op=` to an nisa call it is the numpy function the instruction applies to arrays;
called on tiles it is the operation itself (recorded with the opcode the tracer lowers it to,
python/TRACE_FORMAT.md, and rounded to the result's dtype).
"""
import builtins
import math

import numpy as np

from ._runtime import Tile, record, round_to

_erf = np.vectorize(math.erf, otypes=[np.float32])


def _gelu(x):  # the exact form: x * (1 + erf(x / sqrt 2)) / 2
    x = np.asarray(x, dtype=np.float32)
    return (np.float32(0.5) * x * (np.float32(1) + _erf(x * np.float32(1 / math.sqrt(2))))
            ).astype(np.float32)


def _values(x):
    return x.values if isinstance(x, Tile) else np.float32(x)


def _result_dtype(args, dtype):
    return dtype or next(a.dtype for a in args if isinstance(a, Tile))


class Binary:
    """nl.add, nl.multiply, ...: tile (op) tile is a TENSOR_TENSOR, tile (op) number or tile
    (op) [P, 1] tile a TENSOR_SCALAR."""

    def __init__(self, name, fn):
        self.__name__, self.fn = name, fn
        self.reduce = getattr(fn, "reduce", None)

    def __call__(self, x, y, dtype=None, mask=None):
        tiles = [a for a in (x, y) if isinstance(a, Tile)]
        if not tiles:
            return self.fn(x, y)
        if len(tiles) == 2 and x.shape == y.shape:
            record("TENSOR_TENSOR", *x.shape, engine=None)
        else:
            largest = builtins.max(tiles, key=lambda t: t.values.size)
            record("TENSOR_SCALAR", *largest.shape, engine=None)
        dtype = _result_dtype((x, y), dtype)
        values = np.asarray(self.fn(_values(x), _values(y)), dtype=np.float32)
        return Tile(round_to(dtype, values), dtype, "sbuf")


class Unary:
    """nl.exp, nl.rsqrt, ...: an ACTIVATE on a tile."""

    def __init__(self, name, fn):
        self.__name__, self.fn = name, fn

    def __call__(self, x, dtype=None, mask=None):
        if not isinstance(x, Tile):
            return self.fn(x)
        record("ACTIVATE", *x.shape, engine=None)
        dtype = dtype or x.dtype
        return Tile(round_to(dtype, self.fn(x.values)), dtype, "sbuf")


class Reduction:
    """nl.sum, nl.max, nl.min over the free axis: a TENSOR_REDUCE; nl.mean: a TENSOR_REDUCE
    add, then a TENSOR_SCALAR multiply by 1/n (the tracer's lowering)."""

    def __init__(self, name, ufunc, mean=False):
        self.__name__, self.ufunc, self.mean = name, ufunc, mean
        self.reduce = ufunc.reduce

    def __call__(self, x, axis, dtype=None, keepdims=False, mask=None):
        axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
        if not isinstance(x, Tile):
            return self.ufunc.reduce(np.asarray(x), axis=axis, keepdims=keepdims)
        record("TENSOR_REDUCE", *x.shape, engine=None)
        dtype = dtype or x.dtype
        values = self.ufunc.reduce(x.values, axis=axis, keepdims=True)
        if self.mean:
            values = round_to(dtype, values)
            record("TENSOR_SCALAR", values.shape[0], 1, engine=None)
            values = values * np.float32(1.0 / x.shape[1])
        return Tile(round_to(dtype, values), dtype, "sbuf")


def _compare(fn):
    return lambda a, b: fn(a, b).astype(np.float32)


add, subtract, multiply = Binary("add", np.add), Binary("subtract", np.subtract), \
    Binary("multiply", np.multiply)
divide = Binary("divide", np.divide)
maximum, minimum = Binary("maximum", np.maximum), Binary("minimum", np.minimum)
equal, not_equal = Binary("equal", _compare(np.equal)), Binary("not_equal", _compare(np.not_equal))
greater, greater_equal = Binary("greater", _compare(np.greater)), \
    Binary("greater_equal", _compare(np.greater_equal))
less, less_equal = Binary("less", _compare(np.less)), Binary("less_equal", _compare(np.less_equal))

exp, log, tanh = Unary("exp", np.exp), Unary("log", np.log), Unary("tanh", np.tanh)
sigmoid = Unary("sigmoid", lambda x: np.float32(1) / (np.float32(1) + np.exp(-x)))
silu = Unary("silu", lambda x: x / (np.float32(1) + np.exp(-x)))
gelu = Unary("gelu", _gelu)
relu = Unary("relu", lambda x: np.maximum(x, np.float32(0)))
rsqrt = Unary("rsqrt", lambda x: np.float32(1) / np.sqrt(x))
sqrt, square = Unary("sqrt", np.sqrt), Unary("square", np.square)
reciprocal = Unary("reciprocal", lambda x: np.float32(1) / x)

sum = Reduction("sum", np.add)  # noqa: A001 (NKI's names)
max = Reduction("max", np.maximum)  # noqa: A001
min = Reduction("min", np.minimum)  # noqa: A001
mean = Reduction("mean", np.add, mean=True)


def loop_reduce(x, op, loop_indices, dtype=None, mask=None):
    """`b = nl.loop_reduce(x, op, loop_indices=[i])`: b = op(x, b) for the tile b the result
    is assigned to (found in the calling kernel's frame, as the tracer does)."""
    import re
    import sys
    frame = sys._getframe(1)
    line = __import__("linecache").getline(frame.f_code.co_filename, frame.f_lineno)
    name = re.match(r"\s*([A-Za-z_]\w*)\s*=", line)
    dst = frame.f_locals.get(name.group(1)) if name else None
    if not isinstance(dst, Tile):
        raise ValueError("nl.loop_reduce: assign the result to the tile it accumulates into")
    record("TENSOR_TENSOR", *x.shape, engine=None)
    dst[...] = np.asarray(op(x.values, dst.values), dtype=np.float32)
    return dst


def _install_operators():
    """`a + b`, `a * 2.0`, `-a`, ... on tiles, as nl.add, nl.multiply, ... (the tracer's)."""
    def binary(f, swap=False):
        def method(self, other):
            return f(other, self) if swap else f(self, other)
        return method

    for name, f in (("add", add), ("sub", subtract), ("mul", multiply), ("truediv", divide)):
        setattr(Tile, f"__{name}__", binary(f))
        setattr(Tile, f"__r{name}__", binary(f, swap=True))
    Tile.__neg__ = lambda self: multiply(self, -1.0)


_install_operators()
