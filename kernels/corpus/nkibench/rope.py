"""Rotary position embedding with one frequency table, first-half/second-half convention, on
the head dimension laid along the partitions (NKIBench's `rope_single_freq_apply`):

    out[:D/2] = x[:D/2] cos - x[D/2:] sin,    out[D/2:] = x[D/2:] cos + x[:D/2] sin

with x: [D, S] and cos, sin: [D/2, S] (D = 128, S = B*H*N = 262144 in the measured row).

Schedule followed: the NKIBench baseline `zhang677/AccelOpt @ 47e29a7 :
NKIBench/kernels/rope_single_freq_apply_B1_H64_N4096_D128_0.py`, measured on trn1 as the row
`rope_single_freq_apply_B1_H64_N4096_D128` of `experiments/full_complete_local/
profile_results.csv` (inputs as given: `NKIBench/reference/
rope_single_freq_apply_B1_H64_N4096_D128_numpy_1.py : transform_to_nki_inputs` is the identity).

What the baseline does, and so does this kernel: one Python `range` loop over S in steps of
512 (NKI 0.1 traces it as a sequential loop); per step three DMA loads, x as [D, 512] and cos,
sin as [D/2, 512] each, a copy of the second half of x down to partitions 0..D/2-1 (nl.copy,
engine left to the compiler) so that every tensor_tensor reads operands on the same
partitions, four nisa.tensor_tensor multiplies (x1 cos, x2 cos, x1 sin, x2 sin), a subtract
into partitions 0..D/2-1 and an add into partitions D/2..D-1 of the output tile (engine left
to the compiler), and one DMA store of [D, 512].

What differs: the baseline declares [D, 512] tiles meant to hold cos and sin, and the four
products, two to a tile on its two halves, but then rebinds the names to the tiles that
nl.load and nisa.tensor_tensor return, so those tiles are never used; here cos, sin and the
products are tiles of their own, which is what the baseline runs.
Each tile is declared in the loop (NKI's default; trnsim rotates 2 buffers). The code is
written here, and S comes from the input (a multiple of 512).
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

TILE_S = 512  # columns of S per step


@nki.jit
def rope_kernel(x, cos, sin):
    d_head, seq = x.shape
    half = d_head // 2
    assert d_head <= 128 and tuple(cos.shape) == (half, seq) and sin.shape == cos.shape
    out = nl.ndarray((d_head, seq), dtype=x.dtype, buffer=nl.shared_hbm)

    i_all = nl.arange(d_head)[:, None]
    i_top = nl.arange(half)[:, None]
    i_bot = i_top + half
    i_s = nl.arange(TILE_S)[None, :]
    for s0 in range(0, seq, TILE_S):
        x_sb = nl.ndarray((d_head, TILE_S), dtype=x.dtype, buffer=nl.sbuf)
        x_sb[i_all, i_s] = nl.load(x[i_all, s0 + i_s])
        cos_sb = nl.load(cos[i_top, s0 + i_s])
        sin_sb = nl.load(sin[i_top, s0 + i_s])

        x_top = x_sb[i_top, i_s]
        x_bot = nl.copy(x_sb[i_bot, i_s])  # moved to partitions 0..half-1

        top_cos = nisa.tensor_tensor(x_top, cos_sb, nl.multiply)
        bot_cos = nisa.tensor_tensor(x_bot, cos_sb, nl.multiply)
        top_sin = nisa.tensor_tensor(x_top, sin_sb, nl.multiply)
        bot_sin = nisa.tensor_tensor(x_bot, sin_sb, nl.multiply)

        y_sb = nl.ndarray((d_head, TILE_S), dtype=x.dtype, buffer=nl.sbuf)
        y_sb[i_top, i_s] = nisa.tensor_tensor(top_cos, bot_sin, nl.subtract)
        y_sb[i_bot, i_s] = nisa.tensor_tensor(bot_cos, top_sin, nl.add)
        nl.store(out[i_all, s0 + i_s], value=y_sb)
    return out


KERNEL = rope_kernel
# Small test shape: D = 128, four steps of 512.
INPUT_SHAPES = {"x": (128, 2048), "cos": (64, 2048), "sin": (64, 2048)}
DTYPE = "float32"


def reference(x, cos, sin):
    x, cos, sin = (np.asarray(a, dtype=np.float64) for a in (x, cos, sin))
    half = x.shape[0] // 2
    top, bot = x[:half], x[half:]
    return np.concatenate([top * cos - bot * sin, bot * cos + top * sin], axis=0)
