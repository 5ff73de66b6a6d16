"""Views of HBM tensors and tiles: what an NKI index selects, and how it becomes a trace view
(python/TRACE_FORMAT.md, "Views").

A View keeps, for every dimension of its tensor (an HBM tensor's shape; a tile's partitions,
then its free dimensions), an affine map `const + sum(coef * g[k])` of the view's axes g, and
each axis' range [lo, lo + count). Axis 0 is the partition axis of the operation. A mask clips
the ranges; bounds are checked after that, per dimension, when the view is used; only then is
it flattened to the backend's view: first element, partition stride and free [stride, count]
dims over the row-major tensor.
"""
from . import _index, _trace

MAX_FREE_DIMS = 4  # the ISA's free dims (sim/isa/free_dims.h)


def _int(x):
    if type(x) is int:  # the common case, first
        return x
    a = _index.Affine.lift(x)
    return a.const if a is not None and not a.terms else None


def _slice_axis(s, extent, where):
    if type(s.start) is int and type(s.stop) is int and s.step is None:
        start, stop = s.start, s.stop  # `a[i * 128:(i + 1) * 128]`: most slices in kernels
        if 0 <= start < stop <= extent:
            return start, 1, stop - start
    step = 1 if s.step is None else _int(s.step)
    bounds = [_int(b) if b is not None else None for b in (s.start, s.stop)]
    if step is None or step == 0 or any(b is None for b, o in zip(bounds, (s.start, s.stop))
                                        if o is not None):
        _trace.fail(f"slice {s!r} of {where}: give integer bounds and a non-zero step")
    start, stop = bounds
    start = (0 if step > 0 else extent - 1) if start is None else start + extent * (start < 0)
    stop = (extent if step > 0 else -1) if stop is None else stop + extent * (stop < 0)
    count = len(range(start, stop, step))
    last = start + step * (count - 1)
    if count == 0 or not (0 <= start < extent and 0 <= last < extent):
        _trace.fail(f"slice {s.start}:{s.stop}:{step} of {where} is outside 0:{extent}")
    return start, step, count


def index_maps(dims, index, where):
    """The maps (const, {axis: coef}) per dimension and the axis counts of `index` over
    dimensions of extents `dims` (ints, slices, nl.ds, or nl.arange / nl.mgrid expressions)."""
    index = index if isinstance(index, tuple) else (index,)
    if any(i is Ellipsis for i in index):
        at = next(k for k, i in enumerate(index) if i is Ellipsis)
        index = index[:at] + (slice(None),) * (len(dims) - len(index) + 1) + index[at + 1:]
    if len(index) > len(dims):
        _trace.fail(f"{len(index)} indices for {where} of {len(dims)} dimensions")
    index = tuple(index) + (slice(None),) * (len(dims) - len(index))
    advanced = [i for i in index if isinstance(i, _index.Affine) and i.terms]
    if advanced:
        if any(isinstance(i, slice) for i in index):
            _trace.fail(f"the index of {where} mixes slices with nl.arange expressions, which "
                        "NKI does not allow (use nl.arange for every dimension)")
        exprs = [_index.Affine.lift(i) for i in index]
        if any(e is None for e in exprs):
            _trace.fail(f"an index of {where} is neither an integer nor an nl.arange expression")
        rank = max(e.rank for e in exprs)
        if rank < 2:
            _trace.fail(f"{where} is indexed with a 1-D nl.arange; give it axes, e.g. "
                        "nl.arange(n)[:, None] for the partition and [None, :] for the free")
        grid = exprs[0]
        for e in exprs[1:]:
            grid = grid + e * 0  # checks that the shapes broadcast
        counts = [grid.sizes.get(k - rank, 1) for k in range(rank)]
        return [(e.const, {rank + p: c for p, c in e.terms.items()}) for e in exprs], counts
    maps, counts = [], []
    for i, extent in zip(index, dims):
        if isinstance(i, slice):
            start, step, count = _slice_axis(i, extent, where)
            maps.append((start, {len(counts): step}))
            counts.append(count)
        elif _int(i) is not None:
            if not 0 <= _int(i) < extent:
                _trace.fail(f"index {_int(i)} of {where} is outside 0..{extent - 1}")
            maps.append((_int(i), {}))
        else:
            _trace.fail(f"index {i!r} of {where} is not an integer, a slice, nl.ds or an "
                        "nl.arange expression")
    return maps, counts


class View:
    """A view of a Handle (see the module comment). `shape` is the operation's shape, the
    partition axis first."""

    def __init__(self, handle, block, maps, axes):
        self.handle, self.block = handle, list(block)
        self.maps, self.axes = maps, axes  # axes: [lo, count] per axis
        self.shape = tuple([a[1] for a in axes])  # the operation's shape, partition axis first
        self._json = None
        self._in_bounds = False
        self._template = None  # a view of another handle of this shape, by the same index

    @classmethod
    def of(cls, handle, block, index):
        """The view `index` selects in one block of `handle`. Views are not changed once made,
        so one indexed by integers and integer slices only is made once per handle, and its
        geometry (maps, axes, bounds, trace encoding but the tensor id) once per shape: every
        execution of a tile declaration in a loop is a handle of its own."""
        key = plain_key(block, index)
        if key is not None:
            cached = handle.views.get(key)
            if cached is not None:
                return cached
            shared = (handle.memory, tuple(handle.dims), key)
            template = _TEMPLATES.get(shared)
            if template is not None:
                view = cls(handle, block, template.maps, template.axes)
                view._template = template
                handle.views[key] = view
                return view
        where = f"'{handle.name}' {tuple(handle.dims)}"
        maps, counts = index_maps(handle.dims, index, where)
        view = cls._normalized(handle, block, maps, [[0, n] for n in counts])
        if key is not None:
            handle.views[key] = view
            _TEMPLATES[shared] = view
        return view

    @classmethod
    def _normalized(cls, handle, block, maps, axes):
        """Makes axis 0 the partition axis: on chip, the one the partition index runs along
        (unit step: NKI has no strided partition access); a view with fewer than two axes
        gets leading axes of one element."""
        def shifted(by):
            return [(c, {k + by: a for k, a in t.items()}) for c, t in maps]
        if handle.memory != "hbm":
            part = maps[0][1]
            if not part:
                maps, axes = shifted(1), [[0, 1]] + axes
            elif part != {0: 1}:
                _trace.fail(f"the partition index of '{handle.name}' must run along the first "
                            "index axis with step 1 (NKI has no strided partition access)")
            if any(0 in t for _, t in maps[1:]) and axes[0][1] > 1:
                _trace.fail(f"a free index of '{handle.name}' depends on the partition index")
        while len(axes) < 2:
            maps, axes = shifted(1), [[0, 1]] + axes
        return cls(handle, block, maps, axes)

    def __getitem__(self, index):
        """A view of this view: its axes are the dimensions indexed."""
        where = f"a view of '{self.handle.name}' of shape {self.shape}"
        maps, counts = index_maps(self.shape, index, where)
        composed = []
        for c, terms in self.maps:
            const, out = c, {}
            for k, a in terms.items():
                c2, t2 = maps[k]
                const += a * (self.axes[k][0] + c2)
                for m, b in t2.items():
                    out[m] = out.get(m, 0) + a * b
            composed.append((const, out))
        return View._normalized(self.handle, self.block, composed, [[0, n] for n in counts])

    @property
    def np(self):
        return self.axes[0][1]

    @property
    def nf(self):
        n = 1
        for _, count in self.axes[1:]:
            n *= count
        return n

    @property
    def dtype(self):
        return self.handle.dtype

    def broadcast_to(self, shape):
        """This view with its one-element axes repeated to `shape` (stride 0); on chip only
        along the free axes, as the partitions cannot be repeated by an access pattern."""
        shape = tuple(shape)
        if len(shape) != len(self.axes):
            _trace.fail(f"cannot broadcast '{self.handle.name}' of shape {self.shape} to "
                        f"{shape}")
        maps, axes = [(c, dict(t)) for c, t in self.maps], [list(a) for a in self.axes]
        for k, (n, (lo, count)) in enumerate(zip(shape, self.axes)):
            if n == count:
                continue
            if count != 1 or (k == 0 and self.handle.memory != "hbm"):
                _trace.fail(f"cannot broadcast '{self.handle.name}' of shape {self.shape} to "
                            f"{shape} (only free axes of one element are repeated)")
            for i, (c, t) in enumerate(maps):  # the axis stays at lo: fold it into the const
                maps[i] = (c + t.pop(k, 0) * lo, t)
            axes[k] = [0, n]
        return View(self.handle, self.block, maps, axes)

    def clipped(self, mask, broadcast=()):
        """This view with each axis narrowed to the mask's range for it (numpy's alignment of
        ranks, from the last axis); a one-element axis at a mask position in `broadcast` (one
        that another operand of the call has more elements on) is left as it is."""
        if mask is None:
            return self
        axes = [list(a) for a in self.axes]
        for p, (lo, hi) in mask.bounds.items():
            k = len(axes) + p
            if k < 0:
                _trace.fail(f"a mask over {mask.rank} axes clips '{self.handle.name}' of shape "
                            f"{self.shape}")
            start, count = axes[k]
            if count == 1 and p in broadcast:
                continue
            lo, hi = max(lo, 0), count if hi is None else min(hi, count)
            axes[k] = [start + lo, max(hi - lo, 0)]
        return View(self.handle, self.block, self.maps, axes)

    def check_bounds(self, site=None):
        """Every dimension's index stays inside the tensor (after masking); checked once."""
        if self._in_bounds:
            return
        if self._template is not None:
            self._template.check_bounds(site)
        else:
            self._check_bounds(site)
        self._in_bounds = True

    def _check_bounds(self, site):
        for i, ((c, terms), extent) in enumerate(zip(self.maps, self.handle.dims)):
            low = high = c
            for k, a in terms.items():
                lo, count = self.axes[k]
                first, last = a * lo, a * (lo + count - 1)
                low, high = low + min(first, last), high + max(first, last)
            if low < 0 or high >= extent:
                _trace.fail(f"'{self.handle.name}' of shape {tuple(self.handle.dims)} is "
                            f"indexed out of bounds: dimension {i} reaches {low}..{high}, "
                            f"outside 0..{extent - 1}", site)

    def json(self, site=None):
        """The backend's view (kernels/api/tensor.h): first element (p0, f0), counts, and a
        partition stride / free dims when it is not a rectangle. Made once per view."""
        if self._json is None:
            if self._template is not None:
                self._json = [self.handle.id] + self._template.json(site)[1:]
            else:
                self._json = self._make_json(site)
        return self._json

    def _make_json(self, site):
        h = self.handle
        strides = h.element_strides()
        first = sum(s * (c + sum(a * self.axes[k][0] for k, a in t.items()))
                    for s, (c, t) in zip(strides, self.maps))
        axis_strides = [sum(s * t.get(k, 0) for s, (_, t) in zip(strides, self.maps))
                        for k in range(len(self.axes))]
        free = merge_free([(axis_strides[k], n) for k, (_, n) in enumerate(self.axes)][1:])
        if len(free) > MAX_FREE_DIMS:
            _trace.fail(f"'{h.name}' is accessed with {len(free)} free dimensions; the hardware "
                        f"has at most {MAX_FREE_DIMS}", site)
        # [tensor, [block...], p0, np, f0, nf], then the partition stride (or null) and the
        # free dims when the view is not a rectangle (python/TRACE_FORMAT.md, "Views").
        if h.memory == "hbm":
            p0, f0 = divmod(first, h.free)
            pstride = axis_strides[0] if self.np > 1 else h.free
            if pstride == 0:
                _trace.fail(f"'{h.name}': a partition stride of 0 on HBM is not supported", site)
            out = [h.id, self.block, p0, self.np, f0, self.nf]
            if not (pstride == h.free and free == [(1, self.nf)] and f0 + self.nf <= h.free):
                out += [pstride if pstride != h.free else None, [list(d) for d in free]]
            return out
        p0 = self.maps[0][0] + self.axes[0][0]
        out = [h.id, self.block, p0, self.np, first - p0 * strides[0], self.nf]
        if free != [(1, self.nf)]:
            out += [None, [list(d) for d in free]]
        return out


_TEMPLATES = {}  # (memory, dims, index key) -> the first view made so (View.of)


def merge_free(dims):
    """[stride, count] dims without one-element dims, adjacent ones that make one run
    merged; [(1, 1)] when nothing is left."""
    out = []
    for stride, count in dims:
        if count == 1:
            continue
        if out and out[-1][0] == stride * count:
            out[-1] = (stride, out[-1][1] * count)
        else:
            out.append((stride, count))
    return out or [(1, 1)]


def plain_key(block, index):
    """A hashable key of `index` when it holds only integers, integer slices and `...`;
    None otherwise (nl.arange expressions, nl.ds, ...)."""
    key = [tuple(block)]
    for i in index if type(index) is tuple else (index,):
        t = type(i)
        if t is int or i is Ellipsis:
            key.append(i)
        elif t is slice:
            start, stop, step = i.start, i.stop, i.step
            if not ((start is None or type(start) is int) and (stop is None or type(stop) is int)
                    and (step is None or type(step) is int)):
                return None
            key.append((start, stop, step))
        else:
            return None
    return tuple(key)


def rectangle(handle, block):
    """The whole of one block of a tile (or an HBM tensor): every dimension, in order."""
    return View.of(handle, block, ())


