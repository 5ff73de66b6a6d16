"""Stand-in for `neuronxcc.nki`, tracing mode: the decorators give the kernel back as a
trnsim_nki.spmd.Kernel, which the tracer (trnsim_nki trace) calls with HBM tensor handles, once
or over an SPMD grid."""
from trnsim_nki import spmd

from . import isa, language  # noqa: F401

jit = spmd.decorator(language.named_loop)
benchmark = baremetal = profile = trace = jit
