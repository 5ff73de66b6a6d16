"""Stand-in for `nki.language` (NKI 0.2/0.3), numerics mode: wrappers over the numpy
`neuronxcc.nki.language` (nl01). Tiles are partition-first numpy arrays of any rank; a PSUM tile
also keeps which elements a matmul or transpose has written since its allocation, for
nc_matmul's
accumulate rule (nki/isa.py).
"""
import numpy as np

from neuronxcc.nki import language as nl01
from neuronxcc.nki._runtime import Tile, advanced

from trnsim_nki import dst_passing

sbuf, psum, hbm, shared_hbm, private_hbm = nl01.sbuf, nl01.psum, nl01.hbm, nl01.shared_hbm, \
    nl01.private_hbm

SAME_AS_01 = {
    "bfloat16", "float16", "float32", "tile_size", "affine_range", "sequential_range",
    "static_range", "program_ndim", "ds", "copy", "matmul",
    "transpose", "load_transpose2d", "add", "subtract", "multiply", "divide", "maximum",
    "minimum", "exp", "log", "tanh", "sigmoid", "silu", "gelu", "relu", "rsqrt", "sqrt",
    "square", "reciprocal", "abs", "negative", "power", "sum", "max", "min", "mean",
    "identity", "shared_constant", "equal", "not_equal", "greater", "greater_equal", "less",
    "less_equal",
}


class PsumTile(Tile):
    """A PSUM tile or a view of one: `written` is True where a matmul or transpose has
    written."""

    def __init__(self, values, dtype, buffer, written):
        super().__init__(values, dtype, buffer)
        self.written = written

    def __getitem__(self, index):
        if advanced(index):  # nl.arange / mgrid indices: a view without the written mask
            return super().__getitem__(index)
        return PsumTile(self.values[index], self.dtype, self.buffer, self.written[index])


def ndarray(shape, dtype, buffer=sbuf, name="", address=None):
    if address is not None:
        raise NotImplementedError("nl.ndarray with address= (direct allocation) is not yet "
                                  "supported")
    tile = nl01.ndarray(tuple(shape), dtype, buffer)
    if buffer == psum:
        return PsumTile(tile.values, dtype, buffer, np.zeros(tile.shape, dtype=bool))
    return tile


def par_dim(n):
    raise NotImplementedError("nl.par_dim: NKI 0.2+ tiles have no block dimensions; shapes are "
                              "partition first")


def full(shape, fill_value, dtype, buffer=sbuf, name=""):
    tile = ndarray(shape, dtype, buffer, name)
    tile[...] = np.full(tile.shape, fill_value, dtype=np.float32)
    return tile


def zeros(shape, dtype, buffer=sbuf, name=""):
    return full(shape, 0.0, dtype, buffer, name)


def ones(shape, dtype, buffer=sbuf, name=""):
    return full(shape, 1.0, dtype, buffer, name)


def program_id(axis=0):
    return nl01.program_id(axis)


def num_programs(axes=0):
    """0.3's signature defaults to axis 0 (its text says the whole grid; None gives that)."""
    return nl01.num_programs(axes)


def load(src, dtype=None):
    return dst_passing.forward(nl01.load, "nl.load", _fail, src, dtype=dtype)


def _fail(message):
    raise NotImplementedError(message)


def store(dst, value):
    nl01.store(dst, value)


def __getattr__(name):
    if name in SAME_AS_01:
        return getattr(nl01, name)
    raise NotImplementedError(f"nl.{name} is not yet supported by trnsim's numpy stand-in")
