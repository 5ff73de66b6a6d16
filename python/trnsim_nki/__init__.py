"""trnsim's stand-in for `neuronxcc.nki` (NKI 0.1), in two modes.

- `numerics`: runs a kernel on numpy, rounding every store to its tile's dtype, and counts its
  ISA-level operations (the test double `trnsim emit-nki` files are checked against).
- `tracing`: runs a kernel eagerly and writes the backend-level calls it makes as a trace
  (python/TRACE_FORMAT.md) that `trnsim run-nki` replays on the simulator.

`use(mode)` puts that mode's `neuronxcc` package, and its `nki` package (the NKI 0.2/0.3
namespace, wrappers over `neuronxcc.nki`), first on `sys.path`; import the kernel file
afterwards. Use it as `/usr/bin/python3 -m trnsim_nki ...` with `python/` on PYTHONPATH.
"""
import os
import sys

MODES = ("numerics", "tracing")


def use(mode):
    if mode not in MODES:
        raise ValueError(f"unknown stand-in mode '{mode}' (known: {', '.join(MODES)})")
    if "neuronxcc" in sys.modules or "nki" in sys.modules:
        raise RuntimeError("neuronxcc or nki is already imported; choose the mode before the "
                           "kernel")
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), mode))
