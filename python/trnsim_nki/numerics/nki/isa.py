"""Stand-in for `nki.isa` (NKI 0.2/0.3), numerics mode: `nisa.op(dst, a, ...)` runs the numpy
NKI 0.1 call `nisa.op(a, ...)` (isa01), which records the operation, with dst's dtype as the
result's (the engines compute in fp32 and cast to dst), and stores it into `dst`.

`nc_matmul(dst, ..., accumulate=None)`: per element, overwrite where no matmul (or transpose)
has written since the PSUM tile's allocation, accumulate where one has (NKI's default rule;
the backend's is the same per written range). `accumulate=True` onto an unwritten element is
undefined in NKI and refused; `False` overwrites.
"""
import numpy as np

from neuronxcc.nki import isa as isa01
from neuronxcc.nki import language as nl01
from neuronxcc.nki._runtime import record

from trnsim_nki import dst_passing
from trnsim_nki.dst_passing import dge_mode, engine, matmul_perf_mode, oob_mode  # noqa: F401
from trnsim_nki.dst_passing import reduce_cmd  # noqa: F401

HBM = (nl01.hbm, nl01.shared_hbm, nl01.private_hbm)

tensor_engine, vector_engine = engine.tensor, engine.vector
scalar_engine, gpsimd_engine, unknown_engine = engine.scalar, engine.gpsimd, engine.unknown
# The 0.1 stand-in's engine names, which it records each compute operation with.
_ENGINES = {engine.tensor: isa01.tensor_engine, engine.vector: isa01.vector_engine,
            engine.scalar: isa01.scalar_engine, engine.gpsimd: isa01.gpsimd_engine,
            engine.unknown: None}


def fail(message):
    raise NotImplementedError(message)


def _into(dst, result):
    dst[...] = result.values.reshape(dst.shape)


def nc_matmul(dst, stationary, moving, is_stationary_onezero=False, is_moving_onezero=False,
              is_transpose=False, accumulate=None, tile_position=(), tile_size=(),
              perf_mode=matmul_perf_mode.none, name=None):
    dst_passing.refuse_options("nisa.nc_matmul", fail, tile_position=(tile_position, ()),
                               tile_size=(tile_size, ()),
                               perf_mode=(perf_mode, matmul_perf_mode.none))
    written = getattr(dst, "written", None)
    if written is None:
        fail("nisa.nc_matmul writes PSUM; its dst is not a PSUM tile")
    result = dst_passing.forward(isa01.nc_matmul, "nisa.nc_matmul", fail, stationary, moving,
                                 is_transpose=is_transpose or None).values.reshape(dst.shape)
    if accumulate is not None and bool(accumulate) and not written.all():
        fail("nisa.nc_matmul(accumulate=True) onto PSUM no matmul has written is undefined")
    add = written if accumulate is None else np.full(dst.shape, bool(accumulate))
    dst[...] = np.where(add, dst.values + result, result)
    written[...] = True


def nc_transpose(dst, data, engine=engine.unknown, name=None):
    if dst.dtype.name != data.dtype.name:
        fail(f"nisa.nc_transpose: dst is {dst.dtype.name} but data is {data.dtype.name}; the "
             "destination must have the input's dtype")
    _into(dst, isa01.nc_transpose(data, engine=_ENGINES[engine]))
    if getattr(dst, "written", None) is not None:  # as SimBackend: a later matmul accumulates
        dst.written[...] = True


def dma_copy(dst, src, oob_mode=oob_mode.error, dge_mode=dge_mode.unknown,
             engine=engine.unknown, name=None):
    if src.buffer == nl01.psum:
        fail("nisa.dma_copy cannot read PSUM (NKI 0.3): tensor_copy it to SBUF first")
    if src.buffer in HBM and dst.buffer not in HBM:
        _into(dst, nl01.load(src))
    elif dst.buffer in HBM and src.buffer not in HBM:
        nl01.store(dst, src)
    else:
        record(f"DMA_COPY {'hbm' if src.buffer in HBM else 'sbuf'}->"
               f"{'hbm' if dst.buffer in HBM else 'sbuf'}", *src.shape)
        dst[...] = src.values.reshape(dst.shape)


def dma_transpose(dst, src, axes=None, dge_mode=dge_mode.unknown, oob_mode=oob_mode.error,
                  name=None):
    if axes not in (None, (1, 0), [1, 0]):
        fail(f"nisa.dma_transpose with axes={axes!r} is not yet supported (2-D only)")
    _into(dst, nl01.load_transpose2d(src))


def tensor_copy(dst, src, engine=engine.unknown, name=None, dtype=None):
    _into(dst, isa01.tensor_copy(src, dtype=dst.dtype, engine=_ENGINES[engine]))


def tensor_tensor(dst, data1, data2, op, engine=engine.unknown, name=None):
    _into(dst, isa01.tensor_tensor(data1, data2, op, dtype=dst.dtype, engine=_ENGINES[engine]))


def tensor_scalar(dst, data, op0, operand0, reverse0=False, op1=None, operand1=None,
                  reverse1=False, engine=engine.unknown, name=None):
    _into(dst, dst_passing.forward(isa01.tensor_scalar, "nisa.tensor_scalar", fail, data, op0,
                                   operand0, reverse0=reverse0 or None, op1=op1,
                                   operand1=operand1, reverse1=reverse1 or None,
                                   dtype=dst.dtype, engine=_ENGINES[engine]))


def activation(dst, op, data, bias=None, scale=1.0, reduce_op=None, reduce_res=None,
               reduce_cmd=reduce_cmd.idle, name=None):
    _into(dst, dst_passing.forward(isa01.activation, "nisa.activation", fail, op, data,
                                   bias=bias, scale=scale, reduce_op=reduce_op,
                                   reduce_res=reduce_res, dtype=dst.dtype))


def memset(dst, value, engine=engine.unknown, name=None):
    _into(dst, isa01.memset(dst.shape, value, dst.dtype, engine=_ENGINES[engine]))


def _affine_values(shape, pattern, channel_multiplier, offset):
    """offset + channel_multiplier x partition + sum of step x index over the pattern's axes,
    for every element of a [P, free...] tile (the pattern covers its free elements)."""
    counts = [int(n) for _, n in pattern]
    free = int(np.prod(shape[1:], dtype=np.int64))
    if int(np.prod(counts, dtype=np.int64)) != free:
        fail(f"an affine pattern of {counts} elements for a tile of {free} per partition")
    value = np.zeros(counts, dtype=np.int64)
    for axis, (step, count) in enumerate(pattern):
        index = np.arange(int(count)).reshape([-1 if a == axis else 1 for a in range(len(counts))])
        value = value + int(step) * index
    partitions = np.arange(shape[0]).reshape(-1, 1)
    return (int(offset) + int(channel_multiplier) * partitions + value.reshape(1, -1)).reshape(shape)


def iota(dst, pattern, offset=0, channel_multiplier=0, name=None):
    values = _affine_values(dst.shape, pattern, channel_multiplier, offset)
    _into(dst, isa01.iota(values, dst.dtype))


def affine_select(dst, pattern, channel_multiplier, on_true_tile, on_false_value,
                  cmp_op=nl01.equal, offset=0, name=None):
    values = _affine_values(on_true_tile.shape, pattern, channel_multiplier, offset)
    _into(dst, isa01.affine_select(cmp_op(values, 0), on_true_tile, on_false_value,
                                   dtype=dst.dtype))


def tensor_reduce(dst, op, data, axis, negate=False, keepdims=False, name=None):
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    _into(dst, dst_passing.forward(isa01.tensor_reduce, "nisa.tensor_reduce", fail, op, data,
                                   axes, negate=negate or None, dtype=dst.dtype))


def reciprocal(dst, data, name=None):
    if not hasattr(isa01, "reciprocal"):
        fail("nisa.reciprocal is not yet supported by trnsim's numpy stand-in")
    _into(dst, dst_passing.forward(isa01.reciprocal, "nisa.reciprocal", fail, data,
                                   dtype=dst.dtype))


def __getattr__(name):
    raise NotImplementedError(f"nisa.{name} is not yet supported by trnsim's numpy stand-in")
