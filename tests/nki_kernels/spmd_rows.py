"""An NKI 0.1 SPMD kernel, written here for tests/nki_cli_test.cpp: launched over a grid of G
programs (`scale_rows[G](x)`, or `trnsim run-nki ... --grid G`), program i doubles rows
[128 i, 128 i + 128) of x into the output, which all programs share.
"""
import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def scale_rows(x):
    rows, cols = x.shape
    out = nl.ndarray((rows, cols), dtype=x.dtype, buffer=nl.shared_hbm)
    i = nl.program_id(0)
    tile = nl.load(x[i * 128:(i + 1) * 128, :])
    doubled = nisa.tensor_scalar(tile, nl.multiply, 2.0)
    nl.store(out[i * 128:(i + 1) * 128, :], value=doubled)
    return out


def reference(x):
    return 2.0 * x
