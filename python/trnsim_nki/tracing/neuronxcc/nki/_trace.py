"""The tracer's state: HBM tensors and tiles as handles, views of them, pending operations,
and the trace writer (python/TRACE_FORMAT.md).

A kernel runs eagerly. An operation whose destination is an argument (`nl.store`,
`nisa.dma_copy`) is written at once; one that returns a value (`nl.load`, `nisa.nc_matmul`,
...) returns a Pending that is written when it is stored into a tile view (`t[i] = ...`,
`t[...] += ...`), since the destination decides the call. One that is not stored so by the
next call into the stand-in (`x = nl.load(...)`, or an argument of another call) becomes an
implicit tile: a tile declared at its own line, of its result's shape, that it writes.
"""
import itertools
import json
import linecache
import re
import sys

from . import _index, _view

FORMAT, VERSION = "trnsim-nki-trace", 2
DTYPES = {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32"}


class TraceError(Exception):
    """A kernel the tracer cannot express: the message names the kernel file and line."""


class DType:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


FLOAT32 = DType("float32")


_CALL_SITES = {}  # (code, instruction offset) -> (file, line, text)
_STAND_IN_CODE = {}  # code object -> whether it is the stand-in's (is_stand_in of its module)


def is_stand_in(module):
    """A module of the stand-in: `neuronxcc.nki...`, or the `nki` (0.2+) wrappers over it."""
    return (module.startswith("neuronxcc") or module in ("nki", "trnsim_nki.dst_passing")
            or module.startswith("nki."))


def call_site():
    """(file, line, source text) of the kernel call into the stand-in; the text spans every
    line of the call (Python 3.11 positions), so a comment after its last line is seen."""
    frame = sys._getframe(1)
    while frame:
        inside = _STAND_IN_CODE.get(frame.f_code)
        if inside is None:
            inside = _STAND_IN_CODE[frame.f_code] = is_stand_in(
                frame.f_globals.get("__name__", ""))
        if not inside:
            break
        frame = frame.f_back
    key = (frame.f_code, frame.f_lasti)
    if key not in _CALL_SITES:
        file, first, last = frame.f_code.co_filename, frame.f_lineno, frame.f_lineno
        if hasattr(frame.f_code, "co_positions"):
            end = list(frame.f_code.co_positions())[frame.f_lasti // 2][1]
            last = max(first, end or first)
        text = " ".join(linecache.getline(file, n).strip() for n in range(first, last + 1))
        _CALL_SITES[key] = (file, first, text)
    return _CALL_SITES[key]


_WHERE = {}  # call site -> "file:line"


def where(site=None):
    site = site or call_site()
    at = _WHERE.get(site)
    if at is None:
        at = _WHERE[site] = f"{site[0]}:{site[1]}"
    return at


def fail(message, site=None):
    raise TraceError(f"{where(site or call_site())}: {message}")


def unsupported(module, name):
    """For a module __getattr__: an NKI name the tracer does not have, as one line."""
    if name.startswith("__"):
        raise AttributeError(name)
    fail(f"{module}.{name} is not yet supported by trnsim's tracer (python/TRACE_FORMAT.md)")


def assigned_name(text, fallback):
    match = re.match(r"([A-Za-z_]\w*)\s*=", text)
    return match.group(1) if match else fallback


class Recorder:
    """Collects events; `write` puts the header and the events into a JSON-lines file."""

    def __init__(self):
        self.events = []
        self.next_id = 0
        self.depth = 0  # loops entered
        self.outstanding = []  # pending operations not stored yet
        self.mask = None  # the mask= of the call being made (_index.masked)

    def flush(self):
        """Turns every outstanding operation into an implicit tile, in order."""
        outstanding, self.outstanding = self.outstanding, []
        for p in outstanding:
            if not p.consumed:
                p.materialize()

    def emit(self, event, **fields):
        self.flush()
        self.events.append({"event": event, **fields})

    def new_id(self):
        self.next_id += 1
        return self.next_id - 1

    def write(self, path, kernel, source, returns=()):
        if self.depth:
            raise TraceError(f"{source}: a loop was left before its last iteration (break or "
                             "an exception); leaving loops early is not yet supported")
        self.flush()
        encode = json.JSONEncoder(separators=(",", ":")).encode  # one encoder for every line
        with open(path, "w") as out:
            header = {"format": FORMAT, "version": VERSION, "kernel": kernel, "source": source}
            if returns:
                header["returns"] = list(returns)
            out.write(json.dumps(header) + "\n")
            out.writelines(_line(e, encode) for e in self.events)


def _line(event, encode):
    """An event's line; the loop markers (most of a trace) formatted directly, as `encode`
    would write them (the loader reads exactly these without a JSON document)."""
    kind = event["event"]
    if kind == "iteration" and len(event) == 2:
        return '{"event":"iteration","index":%d}\n' % event["index"]
    if kind == "loop_end" and len(event) == 1:
        return '{"event":"loop_end"}\n'
    return encode(event) + "\n"


RECORDER = Recorder()


class Handle:
    """An HBM tensor (`dims` its shape, flattened row-major into rows x cols for the backend)
    or an on-chip tile array: block dims, then `dims` = [partitions, free dims...]."""

    def __init__(self, memory, dtype, block_dims, dims, name=""):
        self.id = RECORDER.new_id()
        self.memory, self.dtype, self.name = memory, dtype, name
        self.block_dims, self.dims = list(block_dims), list(dims)
        self.views = {}  # View.of's views of this handle by block and index (_view.plain_key)
        self.indexed = {}  # view()'s views by the whole index, block indices included
        self._strides = None

    @property
    def partitions(self):  # on chip: partitions; HBM: rows of the flattened tensor
        return _product(self.dims[:-1]) if self.memory == "hbm" else self.dims[0]

    @property
    def free(self):  # on chip: elements per partition; HBM: cols
        return self.dims[-1] if self.memory == "hbm" else _product(self.dims[1:])

    @property
    def shape(self):
        return (*self.block_dims, *self.dims)

    def element_strides(self):
        """Elements from one index to the next, per dimension: row-major over the dims (on
        chip, the partition's 'stride' is its free size, removed again by the view)."""
        if self._strides is None:
            strides, n = [], 1
            for d in reversed(self.dims):
                strides.append(n)
                n *= d
            self._strides = strides[::-1]
        return self._strides

    def whole(self):
        if self.block_dims:
            fail(f"a tile array with block dimensions {self.block_dims} used without an index")
        return _view.rectangle(self, [])

    def block_view(self, block):
        return _view.rectangle(self, list(block))

    def view(self, index):
        if index is Ellipsis:
            return self.whole()
        key = _view.plain_key((), index)  # views are not changed once made: one per index
        cached = self.indexed.get(key) if key is not None else None
        if cached is not None:
            return cached
        view = self._view_of(index)
        if key is not None:
            self.indexed[key] = view
        return view

    def _view_of(self, index):
        index = index if isinstance(index, tuple) else (index,)
        nb = len(self.block_dims)
        blocks, rest = index[:nb], index[nb:]
        if len(blocks) == nb and all(type(b) is int and 0 <= b < n
                                     for b, n in zip(blocks, self.block_dims)):
            return _view.View.of(self, list(blocks), rest)  # the common case, first
        ints = [_index.Affine.lift(b) for b in blocks]
        if len(blocks) < nb or any(b is None or b.terms for b in ints):
            fail(f"index {index!r}: give one integer per block dimension {self.block_dims} "
                 "(other block indexing is not yet supported)")
        blocks = [b.const for b in ints]
        for b, n in zip(blocks, self.block_dims):
            if not 0 <= b < n:
                fail(f"block index {b} is outside 0..{n - 1}")
        return _view.View.of(self, blocks, rest)

    def __getitem__(self, index):
        return self.view(index)

    def __setitem__(self, index, value):
        store_into(self.view(index), value)

    def __iadd__(self, value):  # `t += op` rebinds t: keep it the tile
        accumulate_into(self.whole(), value)
        return self


def _product(dims):
    n = 1
    for d in dims:
        n *= d
    return n


View = _view.View
View.__iadd__ = lambda self, value: accumulate_into(self, value)


class Consumed:
    """What `t[i] += op` leaves for Python's implicit `t[i] = ...`: nothing to do."""


def as_view(x):
    if isinstance(x, View):
        return x
    if isinstance(x, Handle):
        return x.whole()
    if isinstance(x, Pending):
        if x.result is None and x.consumed:
            fail(f"the result of {x.op} was stored into a tile; read that tile instead")
        if x.result is None:
            x.materialize()
        return x.result
    fail(f"expected a tensor or tile, got {type(x).__name__} "
         "(Python values as operands are not yet supported)")


def dtype_name(dtype):
    name = getattr(dtype, "name", str(dtype))
    if name not in DTYPES:
        fail(f"dtype {name} is not supported (bfloat16, float16, float32)")
    return DTYPES[name]


def declare_tile(shape, dtype, memory, site):
    """A `tile` event for a declaration at `site`; `# trnsim: bufs=N` on its line sets bufs.
    Dimensions before an `nl.par_dim` are block dimensions; without one, the first dimension
    is the partition dimension and the others are free dimensions (NKI 0.1)."""
    file, line, text = site
    shape = tuple(shape)
    marked = [i for i, d in enumerate(shape) if isinstance(d, ParDim)]
    at = marked[0] if marked else 0
    if len(marked) > 1 or not shape:
        fail(f"a tile of shape {shape} needs one partition dimension", site)
    blocks, dims = shape[:at], [int(d) for d in shape[at:]]
    if any(not isinstance(d, int) or d <= 0 for d in shape):
        fail(f"a tile of shape {shape}: every dimension must be a positive integer", site)
    if dims[0] > 128:
        fail(f"a tile's partition dimension {dims[0]} exceeds nl.tile_size.pmax (128)", site)
    if len(dims) == 1:
        dims.append(1)
    bufs = re.search(r"#\s*trnsim:\s*bufs=(\d+)", text)
    name = assigned_name(text, f"tile_{line}")
    h = Handle(memory, dtype, blocks, dims, name)
    RECORDER.emit("tile", id=h.id, name=name, site=f"{file}:{line}", memory=memory,
                  dtype=dtype_name(dtype), block_dims=list(blocks), partitions=h.partitions,
                  free=h.free,
                  bufs=int(bufs.group(1)) if bufs else (2 if RECORDER.depth else 1))
    return h


class ParDim(int):
    """`nl.par_dim(n)`: marks the partition dimension of a tile's shape."""


def memset_blocks(h, value):
    """One memset per block of a tile array (what `nl.zeros` in SBUF does)."""
    for block in itertools.product(*(range(n) for n in h.block_dims)):
        op_now("memset", dst=h.block_view(block), value=value)


class Pending:
    """An operation waiting for its destination; `fields` hold views already resolved."""

    def __init__(self, call, dst_field="dst", **fields):
        RECORDER.flush()
        self.op, self.dst_field, self.fields = call, dst_field, fields
        self.site = call_site()
        self.at = where(self.site)
        self.consumed = False
        self.result = None  # the implicit tile's view, once materialized
        self.implicit = None  # (shape, dtype, memory) of an implicit tile
        self.mask = RECORDER.mask  # the call's mask=, applied when it is written
        RECORDER.outstanding.append(self)

    def of_shape(self, partitions, free, dtype, memory="sbuf", shape=None):
        """The implicit tile: [partitions, free], or `shape` (partitions first)."""
        self.implicit = (tuple(shape) if shape else (partitions, free), dtype, memory)
        return self

    # An implicit tile used as a tile: indexed, written into, asked its shape or dtype.
    def __getitem__(self, index):
        return as_view(self)[index]

    def __setitem__(self, index, value):
        store_into(as_view(self)[index], value)

    @property
    def shape(self):  # without materializing: `t[...] = x` may still follow
        if self.result is not None:
            return self.result.shape
        if self.implicit is None:
            fail(f"the result of {self.op} has no shape until it is stored into a tile")
        return self.implicit[0]

    @property
    def dtype(self):
        if self.result is not None:
            return self.result.dtype
        if self.implicit is None:
            fail(f"the result of {self.op} has no dtype until it is stored into a tile")
        return self.implicit[1]

    def materialize(self):
        if self.implicit is None:
            fail(f"the result of {self.op} must be stored into a tile", self.site)
        shape, dtype, memory = self.implicit
        if self in RECORDER.outstanding:  # declaring the tile flushes the others, not this one
            RECORDER.outstanding.remove(self)
        tile = declare_tile(shape, dtype, memory, self.site)
        self.write(tile.whole(), accumulate=False)
        self.result = tile.whole()

    def write(self, dst, accumulate):
        if self.consumed:
            fail(f"the result of {self.op} is stored twice")
        if accumulate and self.op != "matmul":
            fail(f"'+=' of {self.op} into a tile is not yet supported (only nc_matmul into PSUM)")
        self.consumed = True
        record(self.op, {self.dst_field: dst, **self.fields}, self.mask, self.site)


def store_into(dst, value):
    if isinstance(value, Consumed):
        return
    if not isinstance(value, Pending):
        fail(f"storing a {type(value).__name__} into a tile is not supported "
             "(store the result of an nl / nisa call)")
    value.write(dst, accumulate=False)


def accumulate_into(dst, value):
    """`dst += value`: a matmul accumulating into PSUM, or an SBUF tile plus a tile (a Vector
    Engine add, as the NKI tutorial's `result_tiles[...] += res_tile`)."""
    matmul = isinstance(value, Pending) and value.op == "matmul" and value.result is None
    if matmul and dst.handle.memory == "psum":
        value.write(dst, accumulate=True)
        return Consumed()
    if dst.handle.memory != "sbuf":
        fail("'+=' into PSUM is supported only for nisa.nc_matmul and nl.matmul")
    op_now("tensor_tensor", dst=dst, a=dst, b=as_view(value), op="add")
    return Consumed()


def op_now(call, **fields):
    record(call, fields, RECORDER.mask, call_site())


UNMASKED = ("matmul", "transpose", "dma_transpose")  # their operands' axes differ
# Calls whose output has a fixed number of elements per partition: a mask narrows their
# destination on its partition axis only (python/TRACE_FORMAT.md, "Masks").
FIXED_FREE_OUTPUT = ("bn_stats", "bn_aggr")


def _partition_only(mask, view):
    """`mask` without its bounds on the free axes of `view`."""
    partition = -len(view.axes)
    return _index.Predicate(mask.rank, {p: b for p, b in mask.bounds.items() if p == partition})


def record(call, fields, mask, site):
    """Emits `call` with its views (and Pendings, materialized) clipped by `mask` and bounds
    checked; nothing when the mask leaves no element. A DMA's two sides must have one shape."""
    if mask is _index.EMPTY:
        return
    if mask is not None and call in UNMASKED:
        fail(f"mask= on {call} is not yet supported", site)
    views = {k: as_view(v) for k, v in fields.items() if isinstance(v, (View, Pending))}
    if mask is not None:
        def wide(v, p):
            return len(v.axes) + p >= 0 and v.axes[len(v.axes) + p][1] > 1
        broadcast = {p for p in mask.bounds if any(wide(v, p) for v in views.values())}
        views = {k: v.clipped(_partition_only(mask, v) if call in FIXED_FREE_OUTPUT and
                              k == "dst" else mask, broadcast) for k, v in views.items()}
    if any(0 in v.shape for v in views.values()):
        return
    if call == "dma_copy" and (views["dst"].np, views["dst"].nf) != (views["src"].np,
                                                                     views["src"].nf):
        fail(f"the shapes differ: '{views['dst'].handle.name}' {views['dst'].shape} and "
             f"'{views['src'].handle.name}' {views['src'].shape}", site)
    event = {"event": call}
    for k, v in fields.items():
        view = views.get(k)
        if view is not None:
            view.check_bounds(site)
            event[k] = view.json(site)
        else:
            event[k] = v
    event["at"] = where(site)
    RECORDER.flush()
    RECORDER.events.append(event)
