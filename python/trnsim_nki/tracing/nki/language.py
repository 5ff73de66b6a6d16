"""Stand-in for `nki.language` (NKI 0.2/0.3), tracing mode: thin wrappers over the tracing
`neuronxcc.nki.language` (nl01), which records every call.

- `nl.ndarray` is partition-first: shape (P, F1, ..., Fn) is one tile of P partitions and
  F1 x ... x Fn free elements (0.3 has no block dimensions; its migration guide folds blocks
  that live together into the free axes, and a tile declared inside a loop gets a new buffer per
  iteration, as in 0.1). Indexing it reads the free indices row-major; a view must be one
  contiguous free range (dims after the first partial one taken whole). A 0.1 tracer that
  declares such tiles itself (a shape without `nl.par_dim` is partition-first there: it has
  `_trace.ParDim`) is given the declaration as it is.
- A list of tiles declared one per iteration and read after the loop becomes a tile array
  (`_lists.py`); a tile appended to a list is named after the list, or by `name=`.
- `nl.load`/`nl.store` (0.3's convenience wrappers of `nisa.dma_copy`), `nl.copy`,
  `nl.matmul`, the loops, `nl.tile_size`, the dtypes, the buffers and the op names (`nl.add`,
  `nl.exp`, ... passed as `op=`) are those of nl01.
- Anything else is one line naming the kernel file and line: not yet supported.
"""
import math
import re

from neuronxcc.nki import _trace
from neuronxcc.nki import language as nl01
from neuronxcc.nki._trace import Handle, fail

sbuf, psum, hbm, shared_hbm, private_hbm = nl01.sbuf, nl01.psum, nl01.hbm, nl01.shared_hbm, \
    nl01.private_hbm

# Names whose meaning in 0.2/0.3 is their meaning in 0.1: looked up in nl01 when used, so a
# name nl01 does not have yet is reported as not yet supported, and one it learns is taken.
SAME_AS_01 = {
    "bfloat16", "float16", "float32", "tile_size", "affine_range", "sequential_range",
    "static_range", "program_ndim", "ds", "copy", "matmul",
    "transpose", "load_transpose2d", "add", "subtract", "multiply", "divide", "maximum",
    "minimum", "exp", "log", "tanh", "sigmoid", "silu", "gelu", "relu", "rsqrt", "sqrt",
    "square", "reciprocal", "abs", "negative", "power", "sum", "max", "min", "mean",
    "identity", "shared_constant",
}


class FreeDims(Handle):
    """A tile of shape (P, F1, ..., Fn), n >= 2, declared as P x (F1 ... Fn): indexed by one
    index per axis (ints and unit-step slices), giving a view of one contiguous free range."""

    def init_free(self, free_shape):
        self.free_shape = tuple(free_shape)

    @property
    def shape(self):
        return (self.partitions, *self.free_shape)

    def whole(self):
        return _trace.View(self, [], 0, self.partitions, 0, self.free)

    def view(self, index):
        if index is Ellipsis:
            return self.whole()
        index = index if isinstance(index, tuple) else (index,)
        if len(index) > 1 + len(self.free_shape):
            fail(f"index {index!r} has more axes than the tile's shape {self.shape}")
        index = tuple(index) + (slice(None),) * (1 + len(self.free_shape) - len(index))
        p0, np_ = _trace.span(index[0], self.partitions)
        spans = [_trace.span(i, n) for i, n in zip(index[1:], self.free_shape)]
        # Contiguous: after the first axis taking more than one index, every axis is whole.
        first = next((a for a, (_, count) in enumerate(spans) if count > 1), len(spans))
        for (start, count), n in zip(spans[first + 1:], self.free_shape[first + 1:]):
            if (start, count) != (0, n):
                fail(f"index {index!r} is not one contiguous range of the free axes "
                     f"{self.free_shape} (strided views are not yet supported)")
        f0 = sum(start * math.prod(self.free_shape[a + 1:]) for a, (start, _) in
                 enumerate(spans))
        nf = math.prod(count for _, count in spans)
        view = _trace.View(self, [], p0, np_, f0, nf)
        # Its 0.3 shape, an int index dropping its axis (nisa.tensor_reduce counts these axes).
        view.shape_03 = (np_, *(count for i, (_, count) in zip(index[1:], spans)
                                if not isinstance(i, int)))
        return view


def ndarray(shape, dtype, buffer=sbuf, name="", address=None):
    if address is not None:
        fail("nl.ndarray with address= (direct allocation) is not yet supported")
    shape = tuple(shape)
    if hasattr(_trace, "ParDim"):  # a 0.1 tracer whose tiles are partition-first without one
        return _named(nl01.ndarray(shape, dtype, buffer), name)
    if buffer in (sbuf, psum) and len(shape) > 2:
        tile = nl01.ndarray((shape[0], math.prod(shape[1:])), dtype, buffer)
        tile.__class__ = FreeDims  # the same tile, indexed by its 0.3 shape
        tile.init_free(shape[1:])
        return _named(tile, name)
    if buffer in (sbuf, psum) and len(shape) < 2:
        fail(f"a tile needs a partition and a free axis, got shape {shape}")
    return _named(nl01.ndarray(shape, dtype, buffer), name)


def _named(tensor, name):
    """Names a tile by 0.3's `name=`, or after the list of `tiles.append(nl.ndarray(...))`
    (else the tracer has named it after the variable it is assigned to)."""
    if not name:
        match = re.match(r"([A-Za-z_]\w*)\.append\(", _trace.call_site()[2])
        name = match.group(1) if match else ""
    if name and tensor.memory != "hbm":
        for e in reversed(_trace.RECORDER.events):
            if e["event"] == "tile" and e["id"] == tensor.id:
                e["name"] = name
                break
    return tensor


def par_dim(n):
    fail("nl.par_dim: NKI 0.2+ tiles have no block dimensions; shapes are partition first "
         "(AWS's block-dimension migration guide)")


def full(shape, fill_value, dtype, buffer=sbuf, name=""):
    if buffer != sbuf:
        fail(f"nl.full / nl.zeros / nl.ones in {buffer} are not yet supported (SBUF only; a "
             "PSUM tile is overwritten by its first matmul)")
    tile = ndarray(shape, dtype, buffer, name)
    _trace.memset_blocks(tile, float(fill_value))
    return tile


def zeros(shape, dtype, buffer=sbuf, name=""):
    if buffer == psum:  # as nl01.zeros: the first matmul into a fresh PSUM tile overwrites it
        return ndarray(shape, dtype, buffer, name)
    return full(shape, 0.0, dtype, buffer, name)


def ones(shape, dtype, buffer=sbuf, name=""):
    return full(shape, 1.0, dtype, buffer, name)


def program_id(axis=0):
    return nl01.program_id(axis)


def num_programs(axes=0):
    """0.3's signature defaults to axis 0 (its text says the whole grid; None gives that)."""
    return nl01.num_programs(axes)


def load(src, dtype=None):
    pending = nl01.load(src)
    if dtype is not None:  # the implicit tile it makes, when not stored, has the cast dtype
        pending.of_shape(*pending.implicit[:2], dtype, pending.implicit[3])
    return pending


def store(dst, value):
    nl01.store(dst, value)


def __getattr__(name):
    if name in SAME_AS_01:
        return getattr(nl01, name)
    _trace.unsupported("nl", name)
