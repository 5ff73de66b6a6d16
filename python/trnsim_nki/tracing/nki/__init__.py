"""Stand-in for `nki` (NKI 0.2/0.3), tracing mode: the decorators of the tracing
`neuronxcc.nki` stand-in (trnsim_nki.spmd.Kernel), and `nki.language` / `nki.isa` as wrappers
over its `language` / `isa` (see their docstrings for what maps and what does not), and lists
of tiles as tile arrays (`_lists.py`)."""
from neuronxcc.nki import baremetal, benchmark, jit, profile, trace  # noqa: F401

from . import _lists, isa, language  # noqa: F401

_lists.install()  # lists of tiles kept after their loop become tile arrays (nki/_lists.py)
