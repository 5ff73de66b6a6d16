"""Stand-in for `neuronxcc.nki.isa` (nisa), tracing mode: the engine instructions."""
from . import _trace
from . import language as nl
from ._trace import Pending, as_view, fail


def _named(table, op, what):
    if op not in table:
        fail(f"{what} {getattr(op, '__name__', op)!r} is not supported "
             f"(supported: {', '.join(sorted(f.__name__ for f in table))})")
    return table[op]


def nc_matmul(stationary, moving, is_stationary_onezero=False, is_moving_onezero=False,
              is_transpose=False):
    """stationary^T @ moving into PSUM. With is_transpose=True the Tensor Engine's transpose
    mode: the result is stationary transposed (`moving` is the identity that mode takes), the
    TRANSPOSE instruction nc_transpose makes. The onezero flags (operands of only 0 and 1) are
    hints that change neither the result nor, here, the cost."""
    s, m = as_view(stationary), as_view(moving)
    if is_transpose:
        return nc_transpose(s)
    return Pending("matmul", dst_field="psum", stationary=s, moving=m).of_shape(
        s.nf, m.nf, _trace.FLOAT32, "psum")


def nc_transpose(x):
    v = as_view(x)
    return Pending("transpose", dst_field="psum", src=v).of_shape(v.nf, v.np, _trace.FLOAT32,
                                                                   "psum")


def dma_copy(dst, src):
    _trace.op_now("dma_copy", dst=as_view(dst), src=as_view(src))


def tensor_tensor(a, b, op, dtype=None):
    va, vb = as_view(a), as_view(b)
    return Pending("tensor_tensor", a=va, b=vb, op=_named(nl.ALU_OPS, op, "ALU op")).of_shape(
        va.np, va.nf, dtype or va.dtype)


def tensor_scalar(data, op0, operand0, dtype=None):
    if not isinstance(operand0, (int, float)):
        fail("tensor_scalar with a tile operand is not yet supported")
    v = as_view(data)
    return Pending("tensor_scalar", src=v, op=_named(nl.ALU_OPS, op0, "ALU op"),
                   operand=float(operand0), engine="Vector").of_shape(v.np, v.nf, dtype or v.dtype)


def activation(op, data, bias=None, scale=1.0, dtype=None):
    if bias is not None:
        fail("activation with a bias tile is not yet supported")
    if not isinstance(scale, (int, float)):
        fail("activation with a scale tile is not yet supported")
    v = as_view(data)
    return Pending("activation", src=v, func=_named(nl.ACTIVATIONS, op, "activation"),
                   scale=float(scale), bias=0.0).of_shape(v.np, v.nf, dtype or v.dtype)


def memset(shape, value, dtype):
    return Pending("memset", value=float(value)).of_shape(shape[0], shape[1], dtype)


def tensor_reduce(op, data, axis, keepdims=True, dtype=None):
    if list(axis) != [1]:
        fail(f"tensor_reduce over axis {axis} is not yet supported (only axis=[1])")
    v = as_view(data)
    return Pending("reduce", src=v, op=_named(nl.ALU_OPS, op, "ALU op")).of_shape(
        v.np, 1, dtype or v.dtype)


def __getattr__(name):
    _trace.unsupported("nisa", name)
