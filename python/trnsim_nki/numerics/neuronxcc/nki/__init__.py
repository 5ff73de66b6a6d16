"""Stand-in for `neuronxcc.nki`: `jit` runs the kernel eagerly on numpy, once or over an SPMD
grid (trnsim_nki.spmd)."""
from trnsim_nki import spmd

from . import _runtime, isa, language  # noqa: F401

_runtime.accept_mask(isa)  # every nisa call takes mask=

jit = spmd.decorator(lambda count, name: range(count))
benchmark = baremetal = profile = trace = jit
