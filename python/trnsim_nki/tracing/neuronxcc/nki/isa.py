"""Stand-in for `neuronxcc.nki.isa` (nisa), tracing mode: the engine instructions."""
from . import _trace
from . import language as nl
from ._trace import Pending, as_view, fail


def _named(table, op, what):
    if op not in table:
        fail(f"{what} {getattr(op, '__name__', op)!r} is not supported "
             f"(supported: {', '.join(sorted(f.__name__ for f in table))})")
    return table[op]


def nc_matmul(stationary, moving):
    return Pending("matmul", dst_field="psum", stationary=as_view(stationary),
                   moving=as_view(moving))


def nc_transpose(x):
    return Pending("transpose", dst_field="psum", src=as_view(x))


def dma_copy(dst, src):
    _trace.op_now("dma_copy", dst=as_view(dst), src=as_view(src))


def tensor_tensor(a, b, op, dtype=None):
    return Pending("tensor_tensor", a=as_view(a), b=as_view(b),
                   op=_named(nl.ALU_OPS, op, "ALU op"))


def tensor_scalar(data, op0, operand0, dtype=None):
    if not isinstance(operand0, (int, float)):
        fail("tensor_scalar with a tile operand is not yet supported")
    return Pending("tensor_scalar", src=as_view(data), op=_named(nl.ALU_OPS, op0, "ALU op"),
                   operand=float(operand0), engine="Vector")


def activation(op, data, bias=None, scale=1.0, dtype=None):
    if bias is not None:
        fail("activation with a bias tile is not yet supported")
    if not isinstance(scale, (int, float)):
        fail("activation with a scale tile is not yet supported")
    return Pending("activation", src=as_view(data),
                   func=_named(nl.ACTIVATIONS, op, "activation"), scale=float(scale), bias=0.0)


def memset(shape, value, dtype):
    return Pending("memset", value=float(value))


def tensor_reduce(op, data, axis, keepdims=True, dtype=None):
    if list(axis) != [1]:
        fail(f"tensor_reduce over axis {axis} is not yet supported (only axis=[1])")
    return Pending("reduce", src=as_view(data), op=_named(nl.ALU_OPS, op, "ALU op"))


def __getattr__(name):
    _trace.unsupported("nisa", name)
