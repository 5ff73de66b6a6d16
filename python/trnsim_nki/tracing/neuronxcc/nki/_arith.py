"""nl.* arithmetic of the tracing stand-in, and Python operators on tiles.

Each nl function is one object with two uses, as in NKI: passed as `op=` to an nisa call it
names the ALU op or activation function; called on tiles it is an operation, lowered as
python/TRACE_FORMAT.md says (tile (op) tile: tensor_tensor; tile (op) number or [P, 1] tile:
tensor_scalar; unary math: activation; nl.sum/max/min: reduce; nl.mean: reduce add, then a
tensor_scalar multiply by 1/n). Every such event carries `lowering: "nl.NAME"`; the engine
comes from the hardware config's nki_engine table when the trace is replayed.
"""
import sys

from . import _index, _trace
from ._trace import Handle, Pending, View, as_view, fail


def is_tile(x):
    return isinstance(x, (View, Handle, Pending))


def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def with_mask(call):
    """`mask=` for an nl function's __call__: what it records is clipped by the mask."""
    def wrapper(self, *args, mask=None, **kwargs):
        with _index.masked(mask):
            return call(self, *args, **kwargs)
    wrapper.__name__ = call.__name__
    return wrapper


def result_dtype(views, dtype):
    """The given dtype, else the most precise of the inputs' (NKI's rule)."""
    if dtype is not None:
        return dtype
    for v in views:
        if _trace.dtype_name(v.dtype) == "fp32":
            return v.dtype
    return views[0].dtype


def tensor_scalar(data, op, operand, reverse, lowering, dtype, **more):
    """A tensor_scalar event; `operand` is a number or a [P, 1] view."""
    fields = dict(src=data, op=op, operand=operand if is_tile(operand) else float(operand))
    if reverse:
        fields["reverse"] = True
    fields.update(more)
    return Pending("tensor_scalar", **fields, lowering=lowering).of_shape(data.np, data.nf, dtype)


class Binary:
    """nl.add, nl.subtract, ...: elementwise on two tiles of one shape, a tile and a number, or
    a [P, F] tile and a [P, 1] tile (broadcast along the free axis)."""

    def __init__(self, name, alu, commutative):
        self.__name__, self.alu, self.commutative = name, alu, commutative

    @with_mask
    def __call__(self, x, y, dtype=None):
        lowering = "nl." + self.__name__
        if is_tile(x) and is_tile(y):
            a, b = as_view(x), as_view(y)
            dt = result_dtype([a, b], dtype)
            if a.shape == b.shape:
                return Pending("tensor_tensor", a=a, b=b, op=self.alu, lowering=lowering).of_shape(
                    a.np, a.nf, dt)
            if b.nf == 1 and b.np == a.np:
                return tensor_scalar(a, self.alu, b, False, lowering, dt)
            if a.nf == 1 and a.np == b.np:
                return tensor_scalar(b, self.alu, a, not self.commutative, lowering, dt)
            fail(f"nl.{self.__name__}: shapes {a.shape} and {b.shape} do not broadcast "
                 "(the same shape, or [P, F] with [P, 1])")
        if is_tile(x) and is_number(y):
            v = as_view(x)
            return tensor_scalar(v, self.alu, y, False, lowering, result_dtype([v], dtype))
        if is_number(x) and is_tile(y):
            v = as_view(y)
            return tensor_scalar(v, self.alu, x, not self.commutative, lowering,
                                 result_dtype([v], dtype))
        fail(f"nl.{self.__name__} needs a tile and a tile or a number, got "
             f"{type(x).__name__} and {type(y).__name__}")


class Unary:
    """nl.exp, nl.rsqrt, ...: an activation of the tile."""

    def __init__(self, name, func):
        self.__name__, self.func = name, func

    @with_mask
    def __call__(self, x, dtype=None):
        if not is_tile(x):
            fail(f"nl.{self.__name__} of a {type(x).__name__}: expected a tile")
        v = as_view(x)
        return Pending("activation", src=v, func=self.func, scale=1.0, bias=0.0,
                       lowering="nl." + self.__name__).of_shape(v.np, v.nf, dtype or v.dtype)


def free_axis(name, axis):
    """Only the free axis of a [P, F] tile can be reduced: 1, -1, [1] or (1,)."""
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if axes not in ([1], [-1]):
        fail(f"{name} over axis {axis!r} is not yet supported (only the free axis, axis=1)")


class Reduction:
    """nl.sum, nl.max, nl.min (a reduce over the free axis) and nl.mean (then times 1/n)."""

    def __init__(self, name, alu, mean=False):
        self.__name__, self.alu, self.mean = name, alu, mean

    @with_mask
    def __call__(self, x, axis, dtype=None, keepdims=False):
        free_axis("nl." + self.__name__, axis)
        v = as_view(x)
        dt = dtype or v.dtype
        lowering = "nl." + self.__name__
        reduced = Pending("reduce", src=v, op=self.alu, lowering=lowering).of_shape(v.np, 1, dt)
        if not self.mean:
            return reduced
        return tensor_scalar(as_view(reduced), "multiply", 1.0 / v.nf, False, lowering, dt)


class Copy:
    """nl.copy: a tensor_copy (and, as op= of an activation, the identity)."""

    __name__ = "copy"

    @with_mask
    def __call__(self, x, dtype=None):
        v = as_view(x)
        return Pending("tensor_copy", src=v, lowering="nl.copy").of_shape(v.np, v.nf,
                                                                          dtype or v.dtype)


add, subtract = Binary("add", "add", True), Binary("subtract", "subtract", False)
multiply, divide = Binary("multiply", "multiply", True), Binary("divide", "divide", False)
maximum, minimum = Binary("maximum", "max", True), Binary("minimum", "min", True)
equal, not_equal = Binary("equal", "equal", True), Binary("not_equal", "not_equal", True)
greater, greater_equal = Binary("greater", "greater", False), \
    Binary("greater_equal", "greater_equal", False)
less, less_equal = Binary("less", "less", False), Binary("less_equal", "less_equal", False)
BINARY = [add, subtract, multiply, divide, maximum, minimum, equal, not_equal, greater,
          greater_equal, less, less_equal]

UNARY = [Unary(f, f) for f in ("exp", "log", "tanh", "sigmoid", "silu", "gelu", "relu",
                               "rsqrt", "sqrt", "square", "reciprocal")]
exp, log, tanh, sigmoid, silu, gelu, relu, rsqrt, sqrt, square, reciprocal = UNARY

sum = Reduction("sum", "add")  # noqa: A001 (NKI's names)
max = Reduction("max", "max")  # noqa: A001
min = Reduction("min", "min")  # noqa: A001
mean = Reduction("mean", "add", mean=True)
copy = Copy()

# op= of nisa calls: the nl objects, and numpy's functions of the same meaning.
ALU_OPS = {f: f.alu for f in BINARY}
ALU_OPS.update({sum: "add", max: "max", min: "min", copy: "bypass"})
ACTIVATIONS = {f: f.func for f in UNARY}
ACTIVATIONS[copy] = "identity"
try:
    import numpy as np
    ALU_OPS.update({np.add: "add", np.subtract: "subtract", np.multiply: "multiply",
                    np.divide: "divide", np.maximum: "max", np.minimum: "min", np.max: "max",
                    np.min: "min", np.sum: "add", np.equal: "equal", np.greater: "greater",
                    np.less: "less"})
    ACTIVATIONS.update({np.exp: "exp", np.log: "log", np.tanh: "tanh", np.sqrt: "sqrt",
                        np.square: "square", np.reciprocal: "reciprocal"})
except ImportError:  # the tracer needs no numpy; kernels that pass numpy ops do
    pass


def kernel_frame():
    """The frame of the kernel code that called into the stand-in."""
    frame = sys._getframe(1)
    while frame and frame.f_globals.get("__name__", "").startswith("neuronxcc"):
        frame = frame.f_back
    return frame


def loop_reduce(x, op, loop_indices, dtype=None, mask=None):
    with _index.masked(mask):
        return _loop_reduce(x, op)


def _loop_reduce(x, op):
    """`b = nl.loop_reduce(x, op, loop_indices=[i])`: b = op(x, b), b being the tile the result
    is assigned to (NKI: "the destination tile is also the rhs input to op"), which must exist
    before the loop. A tensor_tensor into b, lowered as nl.loop_reduce; returns b itself."""
    site = _trace.call_site()
    name = _trace.assigned_name(site[2], None)
    dst = kernel_frame().f_locals.get(name) if name else None
    if not is_tile(dst) or isinstance(dst, Pending):
        fail("nl.loop_reduce: assign the result to the tile it accumulates into "
             "(`b = nl.loop_reduce(x, op, loop_indices=[i])`, b declared before the loop)", site)
    d, v = as_view(dst), as_view(x)
    if d.shape != v.shape:
        fail(f"nl.loop_reduce: x has shape {v.shape} but {name} has {d.shape}", site)
    _trace.op_now("tensor_tensor", dst=d, a=v, b=d, op=_named_alu(op), lowering="nl.loop_reduce")
    return dst


def _named_alu(op):
    if op not in ALU_OPS:
        fail(f"ALU op {getattr(op, '__name__', op)!r} is not supported")
    return ALU_OPS[op]


def install_operators():
    """`a + b`, `a * 2.0`, `2.0 - a`, `-a`, ... on tiles and pending results, as nl.add, ..."""
    def binary(f, swap=False):
        def method(self, other):
            if not (is_tile(other) or is_number(other)):
                return NotImplemented
            return f(other, self) if swap else f(self, other)
        return method

    for cls in (View, Handle, Pending):
        for name, f in (("add", add), ("sub", subtract), ("mul", multiply),
                        ("truediv", divide)):
            setattr(cls, f"__{name}__", binary(f))
            setattr(cls, f"__r{name}__", binary(f, swap=True))
        cls.__neg__ = lambda self: multiply(self, -1.0)
        cls.__hash__ = object.__hash__


install_operators()
