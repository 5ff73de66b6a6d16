"""Stand-in for `neuronxcc.nki`, tracing mode: the decorators give the kernel back as a
trnsim_nki.spmd.Kernel, which the tracer (trnsim_nki trace) calls with HBM tensor handles, once
or over an SPMD grid."""
from trnsim_nki import spmd

from . import _index, isa, language  # noqa: F401

_index.accept_mask(isa)  # every nisa call takes mask= (python/TRACE_FORMAT.md, "Masks")

jit = spmd.decorator(language.named_loop)
benchmark = baremetal = profile = trace = jit
