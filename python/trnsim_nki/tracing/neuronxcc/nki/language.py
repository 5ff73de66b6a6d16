"""Stand-in for `neuronxcc.nki.language` (nl), tracing mode: declarations, loops, load/store."""
import re

from trnsim_nki import spmd

from . import _index, _trace
from ._trace import DType, Handle, Pending, RECORDER, as_view, call_site, declare_tile, fail
from ._trace import dtype_name

bfloat16 = DType("bfloat16")
float16 = DType("float16")
float32 = _trace.FLOAT32

sbuf, psum, hbm, shared_hbm, private_hbm = "sbuf", "psum", "hbm", "shared_hbm", "private_hbm"
HBM_ROLES = {shared_hbm: "output", hbm: "scratch", private_hbm: "scratch"}


from ._arith import (add, subtract, multiply, divide, maximum, minimum, equal, not_equal,  # noqa
                     greater, greater_equal, less, less_equal, exp, log, tanh, sigmoid, silu,
                     gelu, relu, rsqrt, sqrt, square, reciprocal, sum, max, min, mean, copy,
                     loop_reduce, ALU_OPS, ACTIVATIONS)


def par_dim(n):
    return _trace.ParDim(n)


# Index arithmetic (_index.py): arange / mgrid expressions, dynamic slices.
arange, mgrid, ds = _index.arange, _index.mgrid, _index.ds


class tile_size:  # noqa: N801 (NKI's name): the limits of kernels/api/limits.h
    pmax = 128
    psum_fmax = 512
    gemm_stationary_fmax = 128
    gemm_moving_fmax = 512
    bn_stats_fmax = 512


def declare_hbm(name, shape, dtype, role, values=None):
    """An HBM tensor of any rank; the backend sees it row-major as rows x cols (its last
    dimension the columns, the others flattened into the rows)."""
    shape = tuple(shape)
    if not shape or any(not isinstance(d, int) or d <= 0 for d in shape):
        fail(f"HBM tensor '{name}' has shape {shape}; give positive integer dimensions")
    h = Handle("hbm", dtype, [], shape, name)
    fields = {"shape": list(shape)} if len(shape) != 2 else {}
    if values is not None:  # a constant's contents, row-major
        fields["values"] = values
    RECORDER.emit("hbm", id=h.id, name=name, rows=h.partitions, cols=h.free,
                  dtype=dtype_name(dtype), role=role, **fields)
    return h


_HBM_OF_SITE = {}  # in an SPMD launch: the HBM tensor each declaration made in program 0


def ndarray(shape, dtype, buffer=sbuf):
    site = call_site()
    if buffer in HBM_ROLES:
        # The programs of a launch share the HBM tensors the kernel declares (its output).
        shared = _HBM_OF_SITE.get(site) if spmd.program_ndim() else None
        if shared is not None and any(spmd.program_id(a) for a in range(spmd.program_ndim())):
            if tuple(shared.shape) != tuple(shape):
                fail(f"HBM tensor of shape {tuple(shape)} declared with shape "
                     f"{tuple(shared.shape)} by program 0 of the launch", site)
            return shared
        h = declare_hbm(_trace.assigned_name(site[2], f"hbm_{site[1]}"), shape, dtype,
                        HBM_ROLES[buffer])
        _HBM_OF_SITE[site] = h
        return h
    if buffer == psum and dtype_name(dtype) != "fp32":
        fail("PSUM tiles are float32 here", site)
    if buffer not in (sbuf, psum):
        fail(f"buffer {buffer!r} is not supported (nl.sbuf, nl.psum, nl.hbm, nl.shared_hbm)", site)
    return declare_tile(tuple(shape), dtype, buffer, site)


def zeros(shape, dtype, buffer=sbuf):
    tile = ndarray(shape, dtype, buffer)
    # The first matmul into a fresh PSUM tile overwrites it (kernels/api/backend.h); SBUF tiles
    # get one memset per block.
    if buffer == sbuf:
        _trace.memset_blocks(tile, 0.0)
    return tile


def full(shape, fill_value, dtype, buffer=sbuf):
    """A tile of `fill_value`: one memset per block (SBUF only: PSUM holds matmul results)."""
    if buffer != sbuf:
        fail(f"nl.full / nl.ones into {buffer!r} is not supported (SBUF tiles only)")
    tile = ndarray(shape, dtype, buffer)
    _trace.memset_blocks(tile, float(fill_value))
    return tile


def ones(shape, dtype, buffer=sbuf):
    return full(shape, 1.0, dtype, buffer)


def _loop(args, kind, name=None):
    """A loop over range(*args), recorded with its scope: loop_begin, one iteration event
    before each body, loop_end. Named after the loop variable of its `for` line."""
    if name is None:
        file, line, text = call_site()
        match = re.match(r"for\s+([A-Za-z_]\w*)\s+in\b", text)
        name = match.group(1) if match else f"loop_{line}"
    try:
        values = range(*args)
    except TypeError:
        fail(f"loop '{name}': the range {args!r} is not of integers")
    if not values:
        fail(f"loop '{name}' has no iterations (range{args!r})")

    def iterations():
        RECORDER.emit("loop_begin", name=name, count=len(values), kind=kind)
        RECORDER.depth += 1
        for i, value in enumerate(values):
            RECORDER.emit("iteration", index=i)
            yield value
        RECORDER.flush()  # the last iteration's implicit tiles belong to the loop
        RECORDER.depth -= 1
        RECORDER.emit("loop_end")
    return iterations()


def affine_range(*args):
    return _loop(args, "affine")


def sequential_range(*args):
    return _loop(args, "sequential")


def static_range(*args):
    """Unrolled by NKI's compiler; here, as every loop is unrolled by the tracer, a loop whose
    iterations run in order (`sequential`)."""
    return _loop(args, "sequential")


def named_loop(count, name):
    """The loop of one SPMD grid axis (trnsim_nki.spmd): sequential, as NKI 0.1 runs a grid."""
    return _loop((count,), "sequential", name)


program_id, num_programs, program_ndim = spmd.program_id, spmd.num_programs, spmd.program_ndim


def broadcast_to(src, shape):
    """A view of `src` with its one-element free axes repeated (a stride-0 access pattern)."""
    return as_view(src).broadcast_to(shape)


def load(src, mask=None, dtype=None):
    """A DMA into a tile of the view's shape (partition axis first, every free axis kept)."""
    v = as_view(src)
    with _index.masked(mask):
        return Pending("dma_copy", src=v).of_shape(v.np, v.nf, dtype or v.dtype, shape=v.shape)


def load_transpose2d(src, mask=None, dtype=None):
    v = as_view(src)
    with _index.masked(mask):
        return Pending("dma_transpose", src=v).of_shape(v.nf, v.np, dtype or v.dtype)


def store(dst, value, mask=None):
    with _index.masked(mask):
        _trace.op_now("dma_copy", dst=as_view(dst), src=as_view(value))


def matmul(x, y, transpose_x=False):
    """x @ y into PSUM. With transpose_x, x is already [K, M]; without, x [M, K] is transposed
    first on the Tensor Engine into PSUM and copied back to SBUF in x's dtype (a Vector copy),
    as NKI documents that nl.matmul does."""
    from . import isa
    if not transpose_x:
        xv = as_view(x)
        x = copy(isa.nc_transpose(xv), dtype=xv.dtype)
    return isa.nc_matmul(x, y)


def shared_constant(constant, dtype=None):
    """`name = nl.shared_constant(np_array, dtype=...)`: a read-only HBM tensor holding the
    array, an input of the kernel that comes with it (role `constant` in the trace)."""
    import numpy as np
    site = call_site()
    a = np.asarray(constant, dtype=np.float64)
    if a.ndim == 0 or not np.all(np.isfinite(a)):
        fail("nl.shared_constant takes an array of finite numbers", site)
    name = _trace.assigned_name(site[2], f"constant_{site[1]}")
    return declare_hbm(name, a.shape, dtype or float32, "constant",
                       values=[float(v) for v in a.ravel()])


def transpose(x, dtype=None):
    """The partition and free axes of a 2-D tile swapped, on the Tensor Engine (into PSUM)."""
    from . import isa
    return isa.nc_transpose(x)


def __getattr__(name):
    _trace.unsupported("nl", name)
