"""Stand-in for `neuronxcc.nki.isa` (nisa), tracing mode: the engine instructions."""
from . import _arith, _index, _trace
from . import language as nl
from ._trace import Pending, as_view, fail


def _named(table, op, what):
    if op not in table:
        fail(f"{what} {getattr(op, '__name__', op)!r} is not supported "
             f"(supported: {', '.join(sorted({f.__name__ for f in table}))})")
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


def nc_transpose(x, engine=None):
    if engine not in (None, tensor_engine):  # the Vector Engine transpose is not modelled yet
        fail(f"nisa.nc_transpose: engine {engine!r} is not modelled; trnsim transposes on the "
             "Tensor Engine")
    v = as_view(x)
    return Pending("transpose", dst_field="psum", src=v).of_shape(v.nf, v.np, _trace.FLOAT32,
                                                                   "psum")


def dma_copy(dst, src):
    _trace.op_now("dma_copy", dst=as_view(dst), src=as_view(src))


# Engines: a name the trace uses, or None (nisa.unknown_engine: the compiler's choice, which
# the replay takes from the hardware config's nki_engine table).
vector_engine, scalar_engine, gpsimd_engine, tensor_engine = "Vector", "Scalar", "GpSimd", "Tensor"
unknown_engine = None


def _engine(engine, call):
    """{"engine": ...} for an explicit engine=, else {"lowering": "nisa.CALL"}."""
    if engine is None:
        return {"lowering": "nisa." + call}
    if engine not in (vector_engine, scalar_engine, gpsimd_engine):
        fail(f"nisa.{call}: engine {engine!r} cannot run it (vector, scalar or gpsimd engine)")
    return {"engine": engine}


def _operand(x, data, what):
    """A number, or a [P, 1] tile of per-partition scalars of `data`."""
    if _arith.is_number(x):
        return float(x)
    if not _arith.is_tile(x):
        fail(f"{what} must be a number or a [P, 1] tile, got {type(x).__name__}")
    v = as_view(x)
    if v.np != data.np or v.nf != 1:
        fail(f"{what} tile has shape {v.shape}; a tile operand holds one scalar per partition: "
             f"[{data.np}, 1]")
    return v


def tensor_tensor(a, b, op, dtype=None, engine=unknown_engine):
    va, vb = as_view(a), as_view(b)
    return Pending("tensor_tensor", a=va, b=vb, op=_named(nl.ALU_OPS, op, "ALU op"),
                   **_engine(engine, "tensor_tensor")).of_shape(va.np, va.nf, dtype or va.dtype)


def tensor_scalar(data, op0, operand0, reverse0=False, op1=None, operand1=None, reverse1=False,
                  dtype=None, engine=unknown_engine):
    v = as_view(data)
    more = {}
    if op1 is not None:
        more = dict(op1=_named(nl.ALU_OPS, op1, "ALU op"),
                    operand1=_operand(operand1, v, "nisa.tensor_scalar operand1"))
        if reverse1:
            more["reverse1"] = True
    fields = dict(src=v, op=_named(nl.ALU_OPS, op0, "ALU op"),
                  operand=_operand(operand0, v, "nisa.tensor_scalar operand0"))
    if reverse0:
        fields["reverse"] = True
    return Pending("tensor_scalar", **fields, **more, **_engine(engine, "tensor_scalar")
                   ).of_shape(v.np, v.nf, dtype or v.dtype)


def activation(op, data, bias=None, scale=1.0, dtype=None):
    v = as_view(data)
    return Pending("activation", src=v, func=_named(nl.ACTIVATIONS, op, "activation"),
                   scale=_operand(scale, v, "nisa.activation scale"),
                   bias=0.0 if bias is None else _operand(bias, v, "nisa.activation bias")
                   ).of_shape(v.np, v.nf, dtype or v.dtype)


def tensor_copy(src, dtype=None, engine=unknown_engine):
    v = as_view(src)
    return Pending("tensor_copy", src=v, **_engine(engine, "tensor_copy")).of_shape(
        v.np, v.nf, dtype or v.dtype)


def memset(shape, value, dtype, engine=None):
    # trnsim runs memset on the Vector Engine (kMemsetEngine, kernels/api/backend.h).
    if engine not in (None, vector_engine):
        fail(f"nisa.memset: engine {engine!r} is not modelled; trnsim runs memset on the Vector "
             "Engine")
    return Pending("memset", value=float(value)).of_shape(shape[0], shape[1], dtype)


CMP_OPS = {"==": "equal", "<": "less", "<=": "less_equal", ">": "greater",
           ">=": "greater_equal"}


def _affine_fields(expr, shape, what):
    """offset, partition_step, free_step of an nl.arange expression over a [P, F] tile."""
    terms = dict(expr.terms)
    if expr.rank > 2 or set(terms) - {-2, -1}:
        fail(f"{what}: only expressions of a partition and one free axis are supported")
    sizes = [expr.sizes.get(-2, 1), expr.sizes.get(-1, 1)] if expr.rank == 2 else \
        [1, expr.sizes.get(-1, 1)]
    if shape is not None and tuple(sizes) != tuple(shape) and sizes != [1, 1]:
        fail(f"{what}: the expression has shape {tuple(sizes)} but the tile {tuple(shape)}")
    return dict(offset=int(expr.const), partition_step=int(terms.get(-2, 0)),
                free_step=int(terms.get(-1, 0))), sizes


def iota(expr, dtype):
    """`nisa.iota(nl.arange(P)[:, None] * a + nl.arange(F)[None, :] * b + c, dtype)`."""
    expr = _index.Affine.lift(expr)
    if expr is None:
        fail("nisa.iota takes an nl.arange / nl.mgrid expression")
    fields, (p, f) = _affine_fields(expr, None, "nisa.iota")
    return Pending("iota", **fields).of_shape(p, f, dtype)


def affine_select(pred, on_true_tile, on_false_value, dtype=None):
    """`nisa.affine_select(i_p >= i_f, x, -9984.0)`: x where the comparison holds."""
    v = as_view(on_true_tile)
    if isinstance(pred, _index.AffineComparison):
        fields, _ = _affine_fields(pred.affine, v.shape, "nisa.affine_select")
        cmp = CMP_OPS[pred.op]
    elif isinstance(pred, _index.Predicate) and len(pred.bounds) == 1:
        (pos, (lo, hi)), = pred.bounds.items()  # one axis: lo <= g (< hi)
        if hi is not None:
            fail("nisa.affine_select with a bounded range of one axis is not yet supported")
        step = {"partition_step" if pos == -2 else "free_step": 1}
        fields = dict(offset=-lo, partition_step=0, free_step=0, **step)
        cmp = "greater_equal"
    else:
        fail("nisa.affine_select takes one comparison of an nl.arange expression")
    if not _arith.is_number(on_false_value):
        fail("nisa.affine_select: on_false_value must be a number")
    return Pending("affine_select", **fields, cmp=cmp, on_true=v,
                   on_false=float(on_false_value)).of_shape(v.np, v.nf, dtype or v.dtype)


def reciprocal(data, dtype=None):
    v = as_view(data)
    return Pending("reciprocal", src=v).of_shape(v.np, v.nf, dtype or v.dtype)


def tensor_tensor_scan(data0, data1, initial, op0, op1, reverse0=False, reverse1=False,
                       dtype=None):
    a, b = as_view(data0), as_view(data1)
    fields = dict(a=a, b=b, initial=_operand(initial, a, "nisa.tensor_tensor_scan initial"),
                  op0=_named(nl.ALU_OPS, op0, "ALU op"), op1=_named(nl.ALU_OPS, op1, "ALU op"))
    if reverse0:
        fields["reverse0"] = True
    if reverse1:
        fields["reverse1"] = True
    return Pending("tensor_tensor_scan", **fields).of_shape(a.np, a.nf, dtype or a.dtype)


def bn_stats(data, dtype=None):
    """Six statistics per partition of `data` (at most nl.tile_size.bn_stats_fmax wide):
    count, mean and variance * count of the even, then the odd, free positions."""
    v = as_view(data)
    if v.nf > nl.tile_size.bn_stats_fmax:
        fail(f"nisa.bn_stats: the input has {v.nf} elements per partition, more than "
             f"nl.tile_size.bn_stats_fmax ({nl.tile_size.bn_stats_fmax})")
    return Pending("bn_stats", src=v).of_shape(v.np, 6, dtype or v.dtype)


def bn_aggr(data, dtype=None):
    """(mean, variance) per partition from the (count, mean, variance * count) triples of
    one or more bn_stats outputs."""
    v = as_view(data)
    if v.nf % 3:
        fail(f"nisa.bn_aggr: the input has {v.nf} elements per partition, not a multiple of 3 "
             "(bn_stats outputs are triples)")
    return Pending("bn_aggr", src=v).of_shape(v.np, 2, dtype or v.dtype)


def tensor_reduce(op, data, axis, dtype=None, negate=False, keepdims=False):
    if negate:
        fail("nisa.tensor_reduce with negate=True is not yet supported")
    _arith.free_axis("nisa.tensor_reduce", axis)
    v = as_view(data)
    return Pending("reduce", src=v, op=_named(nl.ALU_OPS, op, "ALU op")).of_shape(
        v.np, 1, dtype or v.dtype)


def __getattr__(name):
    _trace.unsupported("nisa", name)
