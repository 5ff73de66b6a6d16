"""One AdamW-style parameter update, elementwise over four fp32 [M, N] tensors (NKIBench's
`adamw`, with its constants: weight decay 1e-5, beta1 0.9, beta2 0.999, v_hat = 1000 v_t,
step 0.01, eps 1e-8):

    theta_t = theta - 1e-5 theta;  m_t = 0.9 m + 0.1 g;  v_t = 0.999 v + 0.001 g g
    result  = theta_t - 0.01 m_t / (sqrt(1000 v_t) + 1e-8)

Schedule followed: the NKIBench baseline `zhang677/AccelOpt @ 47e29a7 :
NKIBench/kernels/adamw_M10944_N2048_0.py`, measured on trn1 as the row `adamw_M10944_N2048` of
`experiments/full_complete_local/profile_results.csv` (inputs as given, [10944, 2048] each:
`NKIBench/reference/adamw_M10944_N2048_numpy_1.py : transform_to_nki_inputs`).

What the baseline does, and so does this kernel:
- two affine loops: over row blocks of 128 (the last one masked to the rows left: 10944 =
  85 x 128 + 64) and over column blocks of 1024;
- per block four DMA loads of [128, 1024], in the order theta, m, v, g, into kernel-scope SBUF
  tile arrays (one block per iteration), and one DMA store of the result;
- inside, two halves of 512 columns, each 15 instructions in the baseline's order, every
  intermediate in its own kernel-scope array: seven tensor_scalar multiplies/adds by a
  constant (engine left to the compiler), six tile-tile nl.subtract/add/multiply (engine left
  to the compiler), one activation sqrt(1000 v_t) on the Scalar Engine (the factor 1000 as the
  activation's scale, bias a zeroed [128, 1] column) and one nisa.reciprocal (Vector Engine);
  each instruction carries the row mask.

What differs: nothing in the schedule. The code is written here, and the sizes come from the
inputs' shape (N a multiple of 1024; M any), so a small input runs the same loops fewer times.
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

P = 128       # rows per block (partitions)
BLOCK = 1024  # columns per DMA
HALF = 512    # columns per compute instruction


@nki.jit
def adamw_kernel(theta, g, m, v):
    rows, cols = theta.shape
    row_blocks = (rows + P - 1) // P
    col_blocks = cols // BLOCK
    out = nl.ndarray((rows, cols), dtype=theta.dtype, buffer=nl.shared_hbm)

    zero = nl.ndarray((nl.par_dim(P), 1), dtype=nl.float32, buffer=nl.sbuf)
    zero[...] = nisa.memset(shape=(P, 1), value=0.0, dtype=nl.float32)

    # Each array is declared on its own line: the simulator maps the declarations of one
    # source line to the same buffers, so a helper function declaring them all would alias them.
    blk = (row_blocks, col_blocks, nl.par_dim(P), BLOCK)   # one block per (row, column) block
    hlf = (row_blocks, col_blocks, 2, nl.par_dim(P), HALF)  # and per half
    theta_sb = nl.ndarray(blk, dtype=nl.float32, buffer=nl.sbuf)
    m_sb = nl.ndarray(blk, dtype=nl.float32, buffer=nl.sbuf)
    v_sb = nl.ndarray(blk, dtype=nl.float32, buffer=nl.sbuf)
    g_sb = nl.ndarray(blk, dtype=nl.float32, buffer=nl.sbuf)
    out_sb = nl.ndarray(blk, dtype=nl.float32, buffer=nl.sbuf)
    decay = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)
    theta_t = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)
    m_old = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)
    g_m = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)
    m_t = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)
    step = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)
    v_old = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)
    g_v = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)
    g_sq = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)
    v_t = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)
    root = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)
    denom = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)
    inv = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)
    update = nl.ndarray(hlf, dtype=nl.float32, buffer=nl.sbuf)

    ip = nl.arange(P)[:, None]
    ib = nl.arange(BLOCK)[None, :]
    ih = nl.arange(HALF)[None, :]
    for r in nl.affine_range(row_blocks):
        rows_in = r * P + ip < rows  # the last row block holds rows % P rows
        for c in nl.affine_range(col_blocks):
            for sb, hbm in ((theta_sb, theta), (m_sb, m), (v_sb, v), (g_sb, g)):
                sb[r, c, ip, ib] = nl.load(hbm[r * P + ip, c * BLOCK + ib], mask=rows_in)
            for h in nl.affine_range(2):
                k = h * HALF + ih
                # theta_t = theta - 1e-5 theta
                decay[r, c, h, ip, ih] = nisa.tensor_scalar(
                    data=theta_sb[r, c, ip, k], op0=nl.multiply, operand0=1e-5, reverse0=True,
                    mask=rows_in)
                theta_t[r, c, h, ip, ih] = nl.subtract(theta_sb[r, c, ip, k],
                                                       decay[r, c, h, ip, ih], mask=rows_in)
                # step = 0.01 (0.9 m + 0.1 g)
                m_old[r, c, h, ip, ih] = nisa.tensor_scalar(
                    data=m_sb[r, c, ip, k], op0=nl.multiply, operand0=0.9, reverse0=True,
                    mask=rows_in)
                g_m[r, c, h, ip, ih] = nisa.tensor_scalar(
                    data=g_sb[r, c, ip, k], op0=nl.multiply, operand0=0.1, reverse0=True,
                    mask=rows_in)
                m_t[r, c, h, ip, ih] = nl.add(m_old[r, c, h, ip, ih], g_m[r, c, h, ip, ih],
                                              mask=rows_in)
                step[r, c, h, ip, ih] = nisa.tensor_scalar(
                    data=m_t[r, c, h, ip, ih], op0=nl.multiply, operand0=0.01, reverse0=True,
                    mask=rows_in)
                # v_t = 0.999 v + (0.001 g) g
                v_old[r, c, h, ip, ih] = nisa.tensor_scalar(
                    data=v_sb[r, c, ip, k], op0=nl.multiply, operand0=0.999, reverse0=True,
                    mask=rows_in)
                g_v[r, c, h, ip, ih] = nisa.tensor_scalar(
                    data=g_sb[r, c, ip, k], op0=nl.multiply, operand0=0.001, reverse0=True,
                    mask=rows_in)
                g_sq[r, c, h, ip, ih] = nl.multiply(g_v[r, c, h, ip, ih], g_sb[r, c, ip, k],
                                                    mask=rows_in)
                v_t[r, c, h, ip, ih] = nl.add(v_old[r, c, h, ip, ih], g_sq[r, c, h, ip, ih],
                                              mask=rows_in)
                # 1 / (sqrt(1000 v_t) + 1e-8)
                root[r, c, h, ip, ih] = nisa.activation(
                    op=nl.sqrt, data=v_t[r, c, h, ip, ih], bias=zero[ip, 0], scale=1000.0,
                    mask=rows_in)
                denom[r, c, h, ip, ih] = nisa.tensor_scalar(
                    data=root[r, c, h, ip, ih], op0=nl.add, operand0=1e-8, mask=rows_in)
                inv[r, c, h, ip, ih] = nisa.reciprocal(data=denom[r, c, h, ip, ih],
                                                       mask=rows_in)
                update[r, c, h, ip, ih] = nl.multiply(step[r, c, h, ip, ih],
                                                      inv[r, c, h, ip, ih], mask=rows_in)
                out_sb[r, c, ip, k] = nl.subtract(theta_t[r, c, h, ip, ih],
                                                  update[r, c, h, ip, ih], mask=rows_in)
            nl.store(out[r * P + ip, c * BLOCK + ib], value=out_sb[r, c, ip, ib], mask=rows_in)
    return out


KERNEL = adamw_kernel
# Small test shape: 200 rows (a full row block and a masked one of 72 rows), 2 column blocks.
INPUT_SHAPES = {"theta": (200, 2048), "g": (200, 2048), "m": (200, 2048), "v": (200, 2048)}
DTYPE = "float32"


def reference(theta, g, m, v):
    theta, g, m, v = (np.asarray(a, dtype=np.float64) for a in (theta, g, m, v))
    theta_t = theta - 1e-5 * theta
    m_t = 0.9 * m + 0.1 * g
    v_t = 0.999 * v + 0.001 * g * g
    return theta_t - 0.01 * m_t / (np.sqrt(1000.0 * v_t) + 1e-8)
