"""What the `nki` (NKI 0.2/0.3) stand-ins of both modes share: the enums of `nki.isa`, and the
way a destination-passing call `nisa.op(dst, a, b, ...)` is mapped onto the NKI 0.1 call
`dst[...] = nisa.op(a, b, ...)` of the same mode's `neuronxcc.nki` stand-in.

An option of a 0.3 call is forwarded to the 0.1 call only where the 0.1 stand-in takes it (read
from its signature, so an option it learns to take is forwarded from then on); an option set
to anything but its default that it does not take is "not yet supported", through the mode's
`fail` (one line naming the kernel file and line in tracing mode).
"""
import enum
import functools
import inspect


class engine(enum.Enum):  # noqa: N801 (NKI's names)
    unknown = 0
    tensor = 1
    vector = 2
    scalar = 3
    gpsimd = 4
    sync = 5


class dge_mode(enum.Enum):  # noqa: N801
    unknown = 0
    swdge = 1
    hwdge = 2
    none = 3


class oob_mode(enum.Enum):  # noqa: N801
    error = 0
    skip = 1


class reduce_cmd(enum.Enum):  # noqa: N801
    idle = 0
    reset = 1
    reduce = 2
    reset_reduce = 3
    load_reduce = 4


class matmul_perf_mode(enum.Enum):  # noqa: N801
    none = 0
    double_row = 1


# The engine names of the trace (python/TRACE_FORMAT.md) for `engine=` of a 0.3 call.
ENGINE_NAMES = {engine.vector: "Vector", engine.scalar: "Scalar", engine.gpsimd: "GpSimd"}


def refuse_options(call, fail, **options):
    """Fails on the first option given a value other than its default: options are passed as
    name=(value, default)."""
    for name, (value, default) in options.items():
        if value != default:
            fail(f"{call} with {name}={shown(value)} is not yet supported")


def shown(value):
    """An option's value as the kernel wrote it: `nl.add` by its name."""
    return getattr(value, "__name__", None) or repr(value)


@functools.lru_cache(maxsize=None)
def _parameters(function):
    return frozenset(inspect.signature(function).parameters)


def forward(function, call, fail, *args, **options):
    """`function(*args, **options)`, the options whose value is None left out; an option the
    0.1 stand-in's function does not take is not yet supported."""
    accepted = _parameters(function)
    given = {name: value for name, value in options.items() if value is not None}
    for name, value in given.items():
        if name not in accepted:
            fail(f"{call} with {name}={shown(value)} is not yet supported")
    return function(*args, **given)


def engine_name(call, fail, chosen, allowed):
    """The trace's engine name for `engine=` (None for engine.unknown: the 0.1 call's own
    choice), refusing an engine the call cannot take here."""
    if chosen == engine.unknown:
        return None
    if chosen not in allowed:
        fail(f"{call} with engine={chosen} is not yet supported "
             f"(supported: {', '.join(str(e) for e in allowed)}, engine.unknown)")
    return ENGINE_NAMES[chosen]
