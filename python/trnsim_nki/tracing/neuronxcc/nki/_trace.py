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

FORMAT, VERSION = "trnsim-nki-trace", 1
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


def is_stand_in(module):
    """A module of the stand-in: `neuronxcc.nki...`, or the `nki` (0.2+) wrappers over it."""
    return (module.startswith("neuronxcc") or module in ("nki", "trnsim_nki.dst_passing")
            or module.startswith("nki."))


def call_site():
    """(file, line, source text) of the kernel call into the stand-in; the text spans every
    line of the call (Python 3.11 positions), so a comment after its last line is seen."""
    frame = sys._getframe(1)
    while frame and is_stand_in(frame.f_globals.get("__name__", "")):
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


def where(site=None):
    file, line, _ = site or call_site()
    return f"{file}:{line}"


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
            out.writelines(encode(e) + "\n" for e in self.events)


RECORDER = Recorder()


class Handle:
    """An HBM tensor or an on-chip tile array: [block dims..., partitions, free]."""

    def __init__(self, memory, dtype, block_dims, partitions, free):
        self.id = RECORDER.new_id()
        self.memory, self.dtype = memory, dtype
        self.block_dims, self.partitions, self.free = list(block_dims), partitions, free

    @property
    def shape(self):
        return (*self.block_dims, self.partitions, self.free)

    def whole(self):
        if self.block_dims:
            fail(f"a tile array with block dimensions {self.block_dims} used without an index")
        return View(self, [], 0, self.partitions, 0, self.free)

    def view(self, index):
        if index is Ellipsis:
            return self.whole()
        index = index if isinstance(index, tuple) else (index,)
        nb = len(self.block_dims)
        blocks, rest = index[:nb], index[nb:]
        if len(blocks) < nb or not all(isinstance(b, int) for b in blocks):
            fail(f"index {index!r}: give one integer per block dimension {self.block_dims} "
                 "(other block indexing is not yet supported)")
        for b, n in zip(blocks, self.block_dims):
            if not 0 <= b < n:
                fail(f"block index {b} is outside 0..{n - 1}")
        if len(rest) > 2:
            fail(f"index {index!r} has more than a partition and a free axis "
                 "(N-D views are not yet supported)")
        rest = tuple(rest) + (slice(None),) * (2 - len(rest))
        p0, np_ = span(rest[0], self.partitions)
        f0, nf = span(rest[1], self.free)
        return View(self, list(blocks), p0, np_, f0, nf)

    def __getitem__(self, index):
        return self.view(index)

    def __setitem__(self, index, value):
        store_into(self.view(index), value)

    def __iadd__(self, value):  # `t += op` rebinds t: keep it the tile
        accumulate_into(self.whole(), value)
        return self


def span(s, extent):
    """(first, count) of an int or a unit-step slice within [0, extent)."""
    if isinstance(s, int):
        s = slice(s, s + 1)
    if not isinstance(s, slice) or s.step not in (None, 1):
        fail(f"index {s!r} is not an integer or a unit-step slice "
             "(nl.arange / nl.mgrid indexing is not yet supported)")
    first = 0 if s.start is None else s.start
    stop = extent if s.stop is None else s.stop
    if not 0 <= first < stop <= extent:
        fail(f"slice {first}:{stop} is outside 0:{extent}")
    return first, stop - first


class View:
    """What `View` in kernels/api/tensor.h holds: one block and a rectangle of a tensor."""

    def __init__(self, handle, block, p0, np_, f0, nf):
        self.handle, self.block = handle, block
        self.p0, self.np, self.f0, self.nf = p0, np_, f0, nf

    @property
    def shape(self):
        return (self.np, self.nf)

    @property
    def dtype(self):
        return self.handle.dtype

    def json(self):
        return {"tensor": self.handle.id, "block": self.block, "p0": self.p0, "np": self.np,
                "f0": self.f0, "nf": self.nf}

    def __iadd__(self, value):
        return accumulate_into(self, value)


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
    """A `tile` event for a declaration at `site`; `# trnsim: bufs=N` on its line sets bufs."""
    file, line, text = site
    if len(shape) < 2:
        fail(f"a tile needs a partition and a free axis, got shape {tuple(shape)}", site)
    bufs = re.search(r"#\s*trnsim:\s*bufs=(\d+)", text)
    h = Handle(memory, dtype, shape[:-2], shape[-2], shape[-1])
    RECORDER.emit("tile", id=h.id, name=assigned_name(text, f"tile_{line}"),
                  site=f"{file}:{line}", memory=memory, dtype=dtype_name(dtype),
                  block_dims=list(shape[:-2]), partitions=shape[-2], free=shape[-1],
                  bufs=int(bufs.group(1)) if bufs else (2 if RECORDER.depth else 1))
    return h


def memset_blocks(h, value):
    """One memset per block of a tile array (what `nl.zeros` in SBUF does)."""
    for block in itertools.product(*(range(n) for n in h.block_dims)):
        op_now("memset", dst=View(h, list(block), 0, h.partitions, 0, h.free), value=value)


class Pending:
    """An operation waiting for its destination; `fields` hold views already resolved."""

    def __init__(self, call, dst_field="dst", **fields):
        RECORDER.flush()
        self.op, self.dst_field, self.fields = call, dst_field, fields
        self.site = call_site()
        self.at = where(self.site)
        self.consumed = False
        self.result = None  # the implicit tile's view, once materialized
        self.implicit = None  # (partitions, free, dtype, memory) of an implicit tile
        RECORDER.outstanding.append(self)

    def of_shape(self, partitions, free, dtype, memory="sbuf"):
        self.implicit = (partitions, free, dtype, memory)
        return self

    def materialize(self):
        if self.implicit is None:
            fail(f"the result of {self.op} must be stored into a tile", self.site)
        partitions, free, dtype, memory = self.implicit
        if self in RECORDER.outstanding:  # declaring the tile flushes the others, not this one
            RECORDER.outstanding.remove(self)
        tile = declare_tile((partitions, free), dtype, memory, self.site)
        self.write(tile.whole(), accumulate=False)
        self.result = tile.whole()

    def write(self, dst, accumulate):
        if self.consumed:
            fail(f"the result of {self.op} is stored twice")
        if accumulate and self.op != "matmul":
            fail(f"'+=' of {self.op} into a tile is not yet supported (only nc_matmul into PSUM)")
        self.consumed = True
        fields = {k: (as_view(v).json() if isinstance(v, (View, Pending)) else v)
                  for k, v in self.fields.items()}
        RECORDER.emit(self.op, **{self.dst_field: dst.json()}, **fields, at=self.at)


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


def op_now(call, at=None, **fields):
    fields = {k: (as_view(v).json() if isinstance(v, (View, Pending)) else v)
              for k, v in fields.items()}
    RECORDER.emit(call, **fields, at=at or where(call_site()))
