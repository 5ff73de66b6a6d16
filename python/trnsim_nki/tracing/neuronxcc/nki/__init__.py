"""Stand-in for `neuronxcc.nki`, tracing mode: the decorators leave the kernel a plain
function, which the tracer (trnsim_nki trace) calls with HBM tensor handles."""
from . import _index, isa, language  # noqa: F401

_index.accept_mask(isa)  # every nisa call takes mask= (python/TRACE_FORMAT.md, "Masks")


def jit(kernel=None, **options):
    return kernel if kernel is not None else (lambda k: k)


benchmark = baremetal = profile = jit
