"""Stand-in for `nki.language` (NKI 0.2/0.3), tracing mode: thin wrappers over the tracing
`neuronxcc.nki.language` (nl01), which records every call.

- `nl.ndarray` is partition-first: shape (P, F1, ..., Fn) is one tile of P partitions and
  F1 x ... x Fn free elements (0.3 has no block dimensions; its migration guide folds blocks
  that live together into the free axes, and a tile declared inside a loop gets a new buffer per
  iteration, as in 0.1), which is what nl01 declares for a shape without `nl.par_dim`; its
  views are nl01's (ints, slices, strided free axes).
- A list of tiles declared one per iteration and read after the loop becomes a tile array
  (`_lists.py`); a tile appended to a list is named after the list, or by `name=`.
- `nl.load`/`nl.store` (0.3's convenience wrappers of `nisa.dma_copy`), `nl.copy`,
  `nl.matmul`, the loops, `nl.tile_size`, the dtypes, the buffers and the op names (`nl.add`,
  `nl.exp`, ... passed as `op=`) are those of nl01.
- Anything else is one line naming the kernel file and line: not yet supported.
"""
import re

from neuronxcc.nki import _trace
from neuronxcc.nki import language as nl01
from neuronxcc.nki._trace import fail

from trnsim_nki import dst_passing

from . import _lists

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


def ndarray(shape, dtype, buffer=sbuf, name="", address=None):
    """Partition-first, as nl01 declares a shape without `nl.par_dim`."""
    if address is not None:
        fail("nl.ndarray with address= (direct allocation) is not yet supported")
    return _named(nl01.ndarray(tuple(shape), dtype, buffer), name)


def _named(tensor, name):
    """Names a tile by 0.3's `name=`, or after the list of `tiles.append(nl.ndarray(...))`
    (else the tracer has named it after the variable it is assigned to)."""
    text = _trace.call_site()[2]
    if re.search(r"#\s*trnsim:\s*bufs=\d+", text):
        _lists.BUFS_GIVEN.add(tensor.id)
    if not name:
        match = re.match(r"([A-Za-z_]\w*)\.append\(", text)
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
    return dst_passing.forward(nl01.load, "nl.load", fail, src, dtype=dtype)


def store(dst, value):
    nl01.store(dst, value)


def __getattr__(name):
    if name in SAME_AS_01:
        return getattr(nl01, name)
    if name in ("arange", "mgrid"):  # NKI 0.2's migration guide
        fail(f"nl.{name} was removed in NKI 0.2 (index with integer slices)")
    _trace.unsupported("nl", name)
