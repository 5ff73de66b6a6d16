"""Tiles as float32 numpy arrays that round every store to their dtype, and the op log."""
import collections

import numpy as np

OPERATIONS = collections.Counter()
# The simulator's opcode names (sim/isa/opcode.cpp), given by the caller; empty: unchecked.
OPCODES = set()


def record(name, *dims):
    opcode = name.split(" ")[0]
    if OPCODES and opcode not in OPCODES:
        raise ValueError(f"stand-in records '{opcode}', which is not an opcode of the simulator's "
                         f"table ({', '.join(sorted(OPCODES))})")
    OPERATIONS[name + " " + "x".join(str(int(d)) for d in dims)] += 1


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
    """A view of memory: indexing returns views, assignment rounds to the dtype."""

    def __init__(self, values, dtype, buffer):
        self.values = values
        self.dtype = dtype
        self.buffer = buffer

    @property
    def shape(self):
        return self.values.shape

    def __getitem__(self, index):
        return Tile(self.values[index], self.dtype, self.buffer)

    def __setitem__(self, index, value):
        data = value.values if isinstance(value, Tile) else value
        self.values[index] = round_to(self.dtype, data)

    def __iadd__(self, other):
        data = other.values if isinstance(other, Tile) else other
        self.values[...] = round_to(self.dtype, self.values + data)
        return self


def as_tile(x, dtype, buffer):
    return x if isinstance(x, Tile) else Tile(np.asarray(x, dtype=np.float32), dtype, buffer)
