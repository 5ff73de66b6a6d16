"""NKI 0.1 index arithmetic, evaluated eagerly (python/TRACE_FORMAT.md, "Views"):
`nl.arange` / `nl.mgrid` values, affine expressions of them, `nl.ds`, and `mask=` predicates.

An Affine is `const + sum(coef * g[pos])` over the axes of a broadcast grid, as numpy would
broadcast the arrays `nl.arange(n)[:, None]` and `nl.arange(m)[None, :]`: `pos` counts from the
right (-1 is the last axis), so ranks align as numpy aligns them; `sizes[pos]` is the axis'
extent. A comparison of an Affine of one axis with a number is a Predicate: a range of that
axis; `&` intersects them. Anything else (a product of two index expressions, a power, a
floor division, a comparison over two axes) is an error naming the kernel line.
"""
import contextlib
import functools
import inspect

from . import _trace


def _line_text():
    return _trace.call_site()[2]


def _not_affine(what):
    _trace.fail(f"{what} in `{_line_text()}` is not affine; NKI indices must be a constant plus "
                "integer multiples of nl.arange / nl.mgrid indices")


class Affine:
    __slots__ = ("const", "terms", "sizes", "rank")
    __hash__ = None

    def __init__(self, const=0, terms=None, sizes=None, rank=0):
        self.const, self.rank = const, rank
        self.terms = {p: c for p, c in (terms or {}).items() if c != 0}
        self.sizes = dict(sizes or {})

    @staticmethod
    def lift(x):
        """x as an Affine (an int is a constant), or None for anything else."""
        if isinstance(x, Affine):
            return x
        if isinstance(x, int) and not isinstance(x, bool):
            return Affine(x)
        return None

    def __repr__(self):
        parts = [f"{c}*axis[{p}]" for p, c in sorted(self.terms.items())]
        return " + ".join(parts + [str(self.const)])

    @property
    def shape(self):
        return tuple(self.sizes.get(p, 1) for p in range(-self.rank, 0))

    def _join(self, other, sign, op):
        o = Affine.lift(other)
        if o is None:
            _not_affine(f"an index expression {op} {type(other).__name__}")
        sizes = dict(self.sizes)
        for p, n in o.sizes.items():
            if sizes.setdefault(p, n) != n:
                _trace.fail(f"index expressions of shapes {self.shape} and {o.shape} do not "
                            f"broadcast (axis {p}: {sizes[p]} vs {n}) in `{_line_text()}`")
        terms = dict(self.terms)
        for p, c in o.terms.items():
            terms[p] = terms.get(p, 0) + sign * c
        return Affine(self.const + sign * o.const, terms, sizes, max(self.rank, o.rank))

    def __add__(self, other):
        return self._join(other, 1, "+")

    __radd__ = __add__

    def __sub__(self, other):
        return self._join(other, -1, "-")

    def __rsub__(self, other):
        return (-self)._join(other, 1, "+")

    def __neg__(self):
        return self * -1

    def __pos__(self):
        return self

    def _scale(self, k):
        return Affine(self.const * k, {p: c * k for p, c in self.terms.items()}, self.sizes,
                      self.rank)

    def __mul__(self, other):
        o = Affine.lift(other)
        if o is not None and not o.terms:
            return self._scale(o.const)
        if o is not None and not self.terms:
            return o._scale(self.const)
        _not_affine("a product of two index expressions")

    __rmul__ = __mul__

    def _refuse(op):  # noqa: N805: a factory of methods
        def method(self, other):
            o = Affine.lift(other)
            if o is not None and not self.terms and not o.terms:
                return Affine(int(getattr(self.const, op)(o.const)))
            _not_affine(f"an index expression with `{op.strip('_')}`")
        return method

    __floordiv__, __rfloordiv__ = _refuse("__floordiv__"), _refuse("__rfloordiv__")
    __mod__, __rmod__ = _refuse("__mod__"), _refuse("__rmod__")
    __pow__, __rpow__ = _refuse("__pow__"), _refuse("__rpow__")
    __truediv__, __rtruediv__ = _refuse("__truediv__"), _refuse("__rtruediv__")
    __lshift__, __rshift__ = _refuse("__lshift__"), _refuse("__rshift__")

    def __getitem__(self, index):
        """`nl.arange(n)[:, None]`: new unit axes (None) around this expression's axes (:)."""
        index = index if isinstance(index, tuple) else (index,)
        full = [i for i, x in enumerate(index) if isinstance(x, slice) and x == slice(None)]
        unit = [x is None or (isinstance(x, slice) and x == slice(None)) for x in index]
        if len(full) != self.rank or not all(unit):
            _trace.fail(f"an index expression of shape {self.shape} indexed by {index!r}: only "
                        "':' and None (new axes) are supported")
        rank = len(index)
        moved = {p: full[p + self.rank] - rank for p in range(-self.rank, 0)}
        return Affine(self.const, {moved[p]: c for p, c in self.terms.items()},
                      {moved[p]: n for p, n in self.sizes.items()}, rank)

    def _compare(self, other, op):
        o = Affine.lift(other)
        if o is None:
            _trace.fail(f"a mask compares an index with {other!r}; give an integer bound")
        d = self - o
        if not d.terms:
            return {"<": d.const < 0, "<=": d.const <= 0, ">": d.const > 0, ">=": d.const >= 0,
                    "==": d.const == 0}[op]
        if len(d.terms) > 1:
            _trace.fail(f"the mask `{_line_text()}` bounds an expression of several axes; only "
                        "per-axis bounds are supported (nisa.affine_select does the others)")
        (p, a), = d.terms.items()
        # a*g + c OP 0, as a range [lo, hi) of g (hi None: unbounded)
        c = d.const
        if op == "==":
            lo = -c // a if c % a == 0 else 0
            return Predicate(d.rank, {p: (lo, lo + 1 if c % a == 0 else 0)})
        k, m = {"<": (a, -c), "<=": (a, 1 - c), ">": (-a, c), ">=": (-a, c + 1)}[op]  # k*g < m
        if k > 0:
            return Predicate(d.rank, {p: (0, -(-m // k))})
        return Predicate(d.rank, {p: ((-m) // (-k) + 1, None)})

    def __lt__(self, other):
        return self._compare(other, "<")

    def __le__(self, other):
        return self._compare(other, "<=")

    def __gt__(self, other):
        return self._compare(other, ">")

    def __ge__(self, other):
        return self._compare(other, ">=")

    def __eq__(self, other):
        return self._compare(other, "==")

    def __bool__(self):
        _trace.fail(f"an index expression is used as a truth value in `{_line_text()}`")


class Predicate:
    """A conjunction of per-axis ranges: {pos: (lo, hi)} of a grid of `rank` axes."""

    def __init__(self, rank, bounds):
        self.rank, self.bounds = rank, bounds

    def __and__(self, other):
        if isinstance(other, bool):
            return self if other else False
        if not isinstance(other, Predicate):
            _trace.fail(f"a mask combines a predicate with {other!r} (use & of comparisons)")
        bounds = dict(self.bounds)
        for p, (lo, hi) in other.bounds.items():
            lo0, hi0 = bounds.get(p, (0, None))
            his = [h for h in (hi0, hi) if h is not None]
            bounds[p] = (max(lo0, lo), min(his) if his else None)
        return Predicate(max(self.rank, other.rank), bounds)

    __rand__ = __and__

    def _refuse(self, *args):
        _trace.fail(f"the mask `{_line_text()}` is not a conjunction (&) of per-axis bounds")

    __or__ = __ror__ = __invert__ = __xor__ = __bool__ = _refuse


EMPTY = "empty"  # a mask that no element satisfies: the call makes no instruction


def normalize_mask(mask):
    """None (no clipping), EMPTY, or a Predicate."""
    if mask is None or mask is True:
        return None
    if mask is False:
        return EMPTY
    if isinstance(mask, Predicate):
        empty = any(hi is not None and hi <= lo for lo, hi in mask.bounds.values())
        return EMPTY if empty else mask
    if type(mask).__name__ == "bool_":  # a numpy bool
        return normalize_mask(bool(mask))
    _trace.fail(f"mask= must be comparisons of nl.arange indices combined with &, got "
                f"{type(mask).__name__}")


@contextlib.contextmanager
def masked(mask):
    """Operations recorded inside take `mask` (an outer mask stays when `mask` is None)."""
    if mask is None:
        yield
        return
    outer, _trace.RECORDER.mask = _trace.RECORDER.mask, normalize_mask(mask)
    if _trace.RECORDER.mask is None:
        _trace.RECORDER.mask = outer
    try:
        yield
    finally:
        _trace.RECORDER.mask = outer


def accept_mask(module):
    """Gives every public function of `module` that has no `mask` parameter one (NKI's calls
    all take `mask=`); the operations it records are clipped by it."""
    for name, fn in list(vars(module).items()):
        if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
            continue
        if "mask" in inspect.signature(fn).parameters:
            continue

        def wrapper(*args, mask=None, _fn=fn, **kwargs):
            with masked(mask):
                return _fn(*args, **kwargs)
        setattr(module, name, functools.wraps(fn)(wrapper))


def arange(*args):
    """`nl.arange(stop)` or `(start, stop[, step])`: a 1-D index expression."""
    values = range(*args)
    step = values.step
    return Affine(values.start, {-1: step}, {-1: len(values)}, 1)


class _Grid(tuple):
    """What `nl.mgrid[...]` returns: one index expression per axis, unpackable, with NKI's
    field names (.p for the partition axis, then .x, .y, .z)."""

    @property
    def p(self):
        return self[0]

    @property
    def x(self):
        return self[1]

    @property
    def y(self):
        return self[2]

    @property
    def z(self):
        return self[3]


class _MGrid:
    def __getitem__(self, slices):
        slices = slices if isinstance(slices, tuple) else (slices,)
        rank, out = len(slices), []
        for k, s in enumerate(slices):
            if not isinstance(s, slice) or s.stop is None:
                _trace.fail(f"nl.mgrid takes slices start:stop[:step], got {s!r}")
            values = range(s.start or 0, s.stop, s.step or 1)
            out.append(Affine(values.start, {k - rank: values.step}, {k - rank: len(values)},
                              rank))
        return _Grid(out)


mgrid = _MGrid()


def ds(start, size):
    """`nl.ds(start, size)`: the slice start:start + size."""
    start = Affine.lift(start)
    if start is None or start.terms or not isinstance(size, int) or size <= 0:
        _trace.fail(f"nl.ds(start, size) takes an integer start and a positive size")
    return slice(start.const, start.const + size)
