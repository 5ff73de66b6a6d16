"""Stand-in for `nki` (NKI 0.2/0.3), numerics mode: the decorators of the numpy
`neuronxcc.nki` stand-in, and `nki.language` / `nki.isa` as wrappers over its `language` /
`isa`."""
from neuronxcc.nki import baremetal, benchmark, jit, profile, trace  # noqa: F401

from . import isa, language  # noqa: F401
