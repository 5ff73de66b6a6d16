"""Two NKI 0.1 kernels with a kernel-scope tile array far larger than SBUF, written here for
tests/nki_liveness_test.cpp (issue 9: allocation by liveness, as the NKI compiler does).

`scratch` is 2048 blocks of [128, 512] float32: 2 KiB per partition each, 4 MiB per partition
in all, against trn1's 192 KiB. Both kernels add every block (each set to 1.0) to x.
- short_lived_blocks writes each block and reads it at once: at most one block is live at a
  time, so nothing needs to spill.
- all_blocks_live writes every block before it reads any: 4 MiB per partition is live at
  once, which does not fit, so blocks spill and are reloaded.
"""
import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

BLOCKS = 2048


@nki.jit
def short_lived_blocks(x):
    P, F = x.shape
    out = nl.ndarray((P, F), dtype=x.dtype, buffer=nl.shared_hbm)
    scratch = nl.ndarray((BLOCKS, nl.par_dim(P), F), dtype=nl.float32, buffer=nl.sbuf)
    acc = nl.ndarray((nl.par_dim(P), F), dtype=nl.float32, buffer=nl.sbuf)
    acc[...] = nl.load(x)
    for b in nl.affine_range(BLOCKS):
        scratch[b] = nisa.memset((P, F), 1.0, nl.float32)
        acc[...] += scratch[b]
    nl.store(out, value=acc)
    return out


@nki.jit
def all_blocks_live(x):
    P, F = x.shape
    out = nl.ndarray((P, F), dtype=x.dtype, buffer=nl.shared_hbm)
    scratch = nl.ndarray((BLOCKS, nl.par_dim(P), F), dtype=nl.float32, buffer=nl.sbuf)
    acc = nl.ndarray((nl.par_dim(P), F), dtype=nl.float32, buffer=nl.sbuf)
    acc[...] = nl.load(x)
    for b in nl.affine_range(BLOCKS):
        scratch[b] = nisa.memset((P, F), 1.0, nl.float32)
    for b in nl.affine_range(BLOCKS):
        acc[...] += scratch[b]
    nl.store(out, value=acc)
    return out


DTYPE = "float32"
INPUT_SHAPES = {"x": (128, 512)}
