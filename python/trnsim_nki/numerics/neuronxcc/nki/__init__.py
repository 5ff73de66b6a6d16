"""Stand-in for `neuronxcc.nki`: `jit` runs the kernel eagerly on numpy."""
from . import isa, language  # noqa: F401


def jit(kernel):
    return kernel
