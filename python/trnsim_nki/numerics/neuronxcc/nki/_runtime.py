"""Tiles as float32 numpy arrays that round every store to their dtype, and the op log."""
import collections

import numpy as np

OPERATIONS = collections.Counter()
# The compute operations again, each with the engine it runs on: the one its call names, the one
# NKI fixes for it (nc_matmul: Tensor, activation: Scalar, ...), or "unknown" when the call
# leaves the choice to the compiler.
ENGINES = collections.Counter()
# The simulator's opcode names (sim/isa/opcode.cpp), given by the caller; empty: unchecked.
OPCODES = set()


def record(name, *dims, engine=False):
    """Counts one operation; a compute operation also names its engine (None: the compiler's
    choice), counted in ENGINES as "NAME DIMS on ENGINE"."""
    opcode = name.split(" ")[0]
    if OPCODES and opcode not in OPCODES:
        raise ValueError(f"stand-in records '{opcode}', which is not an opcode of the simulator's "
                         f"table ({', '.join(sorted(OPCODES))})")
    key = name + " " + "x".join(str(int(d)) for d in dims)
    OPERATIONS[key] += 1
    if engine is not False:
        ENGINES[key + " on " + (engine or "unknown")] += 1


def partitions_by_free(shape):
    """(partitions, free elements) of a tile shape: an advanced index [P, c1, c2] is one
    instruction over P x c1*c2 elements, as the simulator counts it."""
    return int(shape[0]), int(np.prod(shape[1:], dtype=np.int64))


class DType:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


def round_to(dtype, values):
    values = np.asarray(values, dtype=np.float32)
    if dtype.name == "float32":
        return values
    if dtype.name == "float16":
        return values.astype(np.float16).astype(np.float32)
    bits = np.ascontiguousarray(values).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000  # round to nearest even
    return bits.astype(np.uint32).view(np.float32).reshape(values.shape)


class Tile:
    """A view of memory: indexing returns views, assignment rounds to the dtype. A Tile that
    an operation with `mask=` made carries the mask: storing it writes only those elements."""

    def __init__(self, values, dtype, buffer, mask=None):
        self.values = values
        self.dtype = dtype
        self.buffer = buffer
        self.mask = mask

    @property
    def shape(self):
        return self.values.shape

    def __getitem__(self, index):
        if advanced(index):
            return IndexedView(self, index)
        return Tile(self.values[index], self.dtype, self.buffer)

    def __setitem__(self, index, value):
        mask = getattr(value, "mask", None)
        if advanced(index) or mask is not None:
            self[index].write(value, mask)
            return
        data = value.values if isinstance(value, (Tile, IndexedView)) else value
        self.values[index] = round_to(self.dtype, data)

    def write(self, value, mask=None):
        data = value.values if isinstance(value, (Tile, IndexedView)) else value
        if mask is None:
            self.values[...] = round_to(self.dtype, data)
            return
        where = np.broadcast_to(mask, self.shape)
        data = np.broadcast_to(np.asarray(data, dtype=np.float32), self.shape)
        self.values[where] = round_to(self.dtype, data[where])

    def read(self, mask=None):
        """The values, NaN (memory nobody wrote) where `mask` is False."""
        if mask is None:
            return self.values.copy()
        return np.where(np.broadcast_to(mask, self.shape), self.values, np.float32(np.nan))

    def ap(self, pattern, offset=None):
        """The nki namespace's explicit access pattern: `pattern` [[stride, count], ...] in
        elements over the tile's storage (row-major, partition first), from element `offset`.
        A view: writing it writes the tile."""
        flat = self.values.reshape(-1)
        if not np.shares_memory(flat, self.values):
            raise NotImplementedError("tile.ap on a view of a tile is not yet supported")
        start = flat[int(offset or 0):]
        view = np.lib.stride_tricks.as_strided(
            start, shape=tuple(int(c) for _, c in pattern),
            strides=tuple(int(s) * start.itemsize for s, _ in pattern))
        return Tile(view, self.dtype, self.buffer)

    def __iadd__(self, other):
        data = other.values if isinstance(other, Tile) else other
        self.values[...] = round_to(self.dtype, self.values + data)
        return self


def advanced(index):
    """Whether an index holds nl.arange / nl.mgrid arrays (numpy advanced indexing)."""
    index = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) and i.ndim > 0 for i in index)


class IndexedView:
    """`tensor[i_p, i_f]` with index arrays: numpy would copy, so the view keeps the index and
    reads or writes through it, only where a mask allows (a masked index may point outside)."""

    def __init__(self, base, index):
        self.base, self.dtype, self.buffer = base, base.dtype, base.buffer
        index = index if isinstance(index, tuple) else (index,)
        self.index = np.broadcast_arrays(*[np.asarray(i) for i in index])
        self.mask = None

    @property
    def shape(self):
        return self.index[0].shape

    @property
    def values(self):
        return self.base.values[tuple(self.index)]

    def _selected(self, mask):
        where = np.broadcast_to(True if mask is None else mask, self.shape)
        return where, tuple(i[where] for i in self.index)

    def read(self, mask=None):
        where, at = self._selected(mask)
        out = np.full(self.shape, np.nan, dtype=np.float32)
        out[where] = self.base.values[at]
        return out

    def write(self, value, mask=None):
        data = value.values if isinstance(value, (Tile, IndexedView)) else value
        data = np.broadcast_to(np.asarray(data, dtype=np.float32), self.shape)
        where, at = self._selected(mask)
        self.base.values[at] = round_to(self.dtype, data[where])


def masked_result(result, mask):
    """An operation's result under `mask=`: NaN outside it, and the mask kept for the store."""
    if mask is None or not isinstance(result, Tile):
        return result
    result.values = np.where(np.broadcast_to(mask, result.shape), result.values,
                             np.float32(np.nan)).astype(np.float32)
    result.mask = mask
    return result


def accept_mask(module):
    """Every public function of the module takes mask= (as NKI's calls do)."""
    import functools
    import inspect
    for name, fn in list(vars(module).items()):
        if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
            continue
        if "mask" in inspect.signature(fn).parameters:
            continue

        def wrapper(*args, mask=None, _fn=fn, **kwargs):
            return masked_result(_fn(*args, **kwargs), mask)
        setattr(module, name, functools.wraps(fn)(wrapper))


def as_tile(x, dtype, buffer):
    return x if isinstance(x, Tile) else Tile(np.asarray(x, dtype=np.float32), dtype, buffer)
