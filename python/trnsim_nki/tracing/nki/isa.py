"""Stand-in for `nki.isa` (NKI 0.2/0.3), tracing mode: every call passes its destination first,
`nisa.op(dst, a, ...)`, and is traced as the NKI 0.1 call `dst[...] = nisa.op(a, ...)` of the
tracing `neuronxcc.nki.isa` (isa01), through the tracer's store path.

`nc_matmul(dst, ..., accumulate=)`: the backend's rule is the first matmul into a PSUM region
since its tile was allocated overwrites it, later ones accumulate (kernels/api/backend.h), which
is 0.2's behaviour and 0.3's default (`accumulate=None`). `accumulate=True` and `False` say
which of the two the kernel expects; the tracer keeps the free ranges of each PSUM tile that
matmuls and transposes have written, as the backend does, and traces the call when the rule
gives the same, else stops: True onto a region no matmul wrote is undefined in NKI (its docs),
False onto a written region (overwrite mid-tile) is not yet supported.
"""
from neuronxcc.nki import _trace
from neuronxcc.nki import isa as isa01
from neuronxcc.nki import language as nl01
from neuronxcc.nki._trace import as_view, fail, store_into

from trnsim_nki import dst_passing
from trnsim_nki.dst_passing import dge_mode, engine, matmul_perf_mode, oob_mode  # noqa: F401
from trnsim_nki.dst_passing import reduce_cmd  # noqa: F401

def _store(dst, pending, engine_chosen=None):
    """Writes a pending 0.1 operation into `dst`; `engine_chosen` overrides its engine."""
    if engine_chosen is not None:
        pending.fields["engine"] = engine_chosen
    store_into(as_view(dst), pending)


_WRITTEN = {}  # PSUM tile id -> the free ranges [f0, f0 + nf) written by the Tensor Engine


def _mark_written(d):
    """Whether a matmul or transpose has written into PSUM view `d`'s free range (first to
    last element) since its tile was declared (SimBackend's test, TileStore::
    mark_psum_written), then marks it written."""
    v = d.json()  # [tensor, [block...], p0, np, f0, nf(, partition_stride, free_dims)]
    span = 1 + sum((count - 1) * stride for stride, count in v[7]) if len(v) > 7 else v[5]
    begin, end = v[4], v[4] + span
    written = _WRITTEN.setdefault(d.handle.id, [])
    overlaps = any(b < end and begin < e for b, e in written)
    written.append((begin, end))
    return overlaps


def nc_matmul(dst, stationary, moving, is_stationary_onezero=False, is_moving_onezero=False,
              is_transpose=False, accumulate=None, tile_position=(), tile_size=(),
              perf_mode=matmul_perf_mode.none, name=None):
    dst_passing.refuse_options("nisa.nc_matmul", fail, tile_position=(tile_position, ()),
                               tile_size=(tile_size, ()),
                               perf_mode=(perf_mode, matmul_perf_mode.none))
    d = as_view(dst)
    if d.handle.memory != nl01.psum:
        fail(f"nisa.nc_matmul writes PSUM; its dst is in {d.handle.memory}")
    pending = dst_passing.forward(isa01.nc_matmul, "nisa.nc_matmul", fail, stationary, moving,
                                  is_transpose=is_transpose or None)
    overlaps = _mark_written(d)
    if accumulate is not None and bool(accumulate) and not overlaps:
        fail("nisa.nc_matmul(accumulate=True) onto a PSUM region no matmul has written since "
             "its allocation is undefined in NKI (give accumulate=False or None)")
    if accumulate is not None and not bool(accumulate) and overlaps:
        fail("nisa.nc_matmul(accumulate=False) onto a PSUM region a matmul has already "
             "written is not yet supported (declare a new PSUM tile for it)")
    store_into(d, pending)


def nc_transpose(dst, data, engine=engine.unknown, name=None):
    if engine not in (dst_passing.engine.unknown, dst_passing.engine.tensor):
        fail(f"nisa.nc_transpose with engine={engine} is not yet supported (Tensor Engine only)")
    d = as_view(dst)
    if d.handle.memory != nl01.psum:
        fail("nisa.nc_transpose into SBUF (a Vector Engine transpose) is not yet supported")
    pending = isa01.nc_transpose(data)
    _mark_written(d)
    _store(d, pending)


def dma_copy(dst, src, oob_mode=oob_mode.error, dge_mode=dge_mode.unknown,
             engine=engine.unknown, name=None):
    dst_passing.refuse_options("nisa.dma_copy", fail,
                               oob_mode=(oob_mode, dst_passing.oob_mode.error),
                               engine=(engine, dst_passing.engine.unknown))
    if as_view(src).handle.memory == nl01.psum:
        fail("nisa.dma_copy cannot read PSUM (NKI 0.3): tensor_copy it to SBUF first")
    isa01.dma_copy(dst, src)


def dma_transpose(dst, src, axes=None, dge_mode=dge_mode.unknown, oob_mode=oob_mode.error,
                  name=None):
    """A 2-D transpose of an HBM tensor into SBUF: 0.1's nl.load_transpose2d."""
    if axes not in (None, (1, 0), [1, 0]):
        fail(f"nisa.dma_transpose with axes={axes!r} is not yet supported (2-D only)")
    if as_view(src).handle.memory != "hbm" or as_view(dst).handle.memory != nl01.sbuf:
        fail("nisa.dma_transpose other than HBM to SBUF is not yet supported")
    _store(dst, nl01.load_transpose2d(src))


def tensor_copy(dst, src, engine=engine.unknown, name=None, dtype=None):
    """`dtype=` is not in 0.3's signature but the NKI tutorial passes it: dst decides."""
    chosen = dst_passing.engine_name("nisa.tensor_copy", fail, engine,
                                     (dst_passing.engine.vector, dst_passing.engine.scalar,
                                      dst_passing.engine.gpsimd))
    if chosen == "GpSimd" and nl01.psum in (as_view(dst).handle.memory,
                                            as_view(src).handle.memory):
        fail("nisa.tensor_copy on GpSimd cannot access PSUM (NKI docs): use the Vector or "
             "Scalar Engine")
    _store(dst, nl01.copy(src), chosen)


def tensor_tensor(dst, data1, data2, op, engine=engine.unknown, name=None):
    dst_passing.engine_name("nisa.tensor_tensor", fail, engine, (dst_passing.engine.vector,))
    _store(dst, isa01.tensor_tensor(data1, data2, op))


def tensor_scalar(dst, data, op0, operand0, reverse0=False, op1=None, operand1=None,
                  reverse1=False, engine=engine.unknown, name=None):
    chosen = dst_passing.engine_name("nisa.tensor_scalar", fail, engine,
                                     (dst_passing.engine.vector, dst_passing.engine.scalar,
                                      dst_passing.engine.gpsimd))
    pending = dst_passing.forward(isa01.tensor_scalar, "nisa.tensor_scalar", fail, data, op0,
                                  operand0, reverse0=reverse0 or None, op1=op1,
                                  operand1=operand1, reverse1=reverse1 or None)
    _store(dst, pending, chosen)


def activation(dst, op, data, bias=None, scale=1.0, reduce_op=None, reduce_res=None,
               reduce_cmd=reduce_cmd.idle, name=None):
    pending = dst_passing.forward(isa01.activation, "nisa.activation", fail, op, data,
                                  bias=bias, scale=scale, reduce_op=reduce_op,
                                  reduce_res=reduce_res)
    _store(dst, pending)


def memset(dst, value, engine=engine.unknown, name=None):
    dst_passing.engine_name("nisa.memset", fail, engine, (dst_passing.engine.vector,))
    d = as_view(dst)
    _store(d, isa01.memset((d.np, d.nf), value, d.dtype))


def tensor_reduce(dst, op, data, axis, negate=False, keepdims=False, name=None):
    """Over the free axes: `axis` names every axis but the partition one (0.3 counts the
    axes of the tile's shape: 1 for a [P, F] tile, (1, 2) for [P, F1, F2])."""
    rank = len(getattr(data, "shape", ()))
    axes = sorted(axis) if isinstance(axis, (tuple, list)) else [axis]
    if axes != list(range(1, max(rank, 2))):
        fail(f"nisa.tensor_reduce over axis {axis!r} of a rank-{rank} tile is not yet "
             "supported (only all the free axes)")
    pending = dst_passing.forward(isa01.tensor_reduce, "nisa.tensor_reduce", fail, op, data,
                                  [1], negate=negate or None)
    _store(dst, pending)


def reciprocal(dst, data, name=None):
    _store(dst, isa01.reciprocal(data))  # isa01 says "not yet supported" until it has it


def __getattr__(name):
    _trace.unsupported("nisa", name)
