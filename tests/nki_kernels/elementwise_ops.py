"""Elementwise operations written here in NKI 0.1 style (not emitted by trnsim): nl.* arithmetic
on two tiles, on a tile and a number, on a [P, F] tile and a [P, 1] tile; Python operators on
tiles; the unary nl functions; nisa.tensor_scalar with two ops, a reversed operand and [P, 1]
tile operands; nisa.activation with tile bias and scale; nisa.tensor_tensor with divide and a
comparison; nl.copy and nisa.tensor_copy. Each result goes to its own 64 columns of `out`.
tests/nki_ops_kernels_test.cpp runs it through the numpy stand-in, through the tracer and the
simulator with numerics, and checks both against reference() (plain numpy, written apart).
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def elementwise_ops(x, y, s):
    """x, y: [128, 64] with x > 0 and y away from 0; s: [128, 1], positive."""
    P, F = x.shape
    out = nl.ndarray((P, 40 * F), dtype=x.dtype, buffer=nl.shared_hbm)
    xt = nl.load(x)
    yt = nl.load(y)
    st = nl.load(s)

    nl.store(out[:, 0 * F:1 * F], value=nl.add(xt, yt))
    nl.store(out[:, 1 * F:2 * F], value=nl.subtract(xt, yt))
    nl.store(out[:, 2 * F:3 * F], value=nl.multiply(xt, yt))
    nl.store(out[:, 3 * F:4 * F], value=nl.divide(xt, yt))
    nl.store(out[:, 4 * F:5 * F], value=nl.maximum(xt, yt))
    nl.store(out[:, 5 * F:6 * F], value=nl.minimum(xt, yt))
    nl.store(out[:, 6 * F:7 * F], value=nl.add(xt, 0.5))
    nl.store(out[:, 7 * F:8 * F], value=nl.subtract(1.0, xt))
    nl.store(out[:, 8 * F:9 * F], value=nl.multiply(yt, 3.0))
    nl.store(out[:, 9 * F:10 * F], value=nl.divide(2.0, yt))
    nl.store(out[:, 10 * F:11 * F], value=nl.maximum(yt, 0.0))
    nl.store(out[:, 11 * F:12 * F], value=nl.minimum(xt, 1.0))
    # Python operators on tiles
    nl.store(out[:, 12 * F:13 * F], value=xt + yt)
    nl.store(out[:, 13 * F:14 * F], value=xt * 2.0)
    nl.store(out[:, 14 * F:15 * F], value=1.0 - xt)
    nl.store(out[:, 15 * F:16 * F], value=-yt)
    nl.store(out[:, 16 * F:17 * F], value=xt / yt)
    # a [P, F] tile with a [P, 1] tile: the column broadcast along the free axis
    nl.store(out[:, 17 * F:18 * F], value=nl.subtract(xt, st))
    nl.store(out[:, 18 * F:19 * F], value=nl.divide(st, xt))
    nl.store(out[:, 19 * F:20 * F], value=yt * st)
    # the unary functions
    nl.store(out[:, 20 * F:21 * F], value=nl.exp(xt))
    nl.store(out[:, 21 * F:22 * F], value=nl.log(xt))
    nl.store(out[:, 22 * F:23 * F], value=nl.tanh(yt))
    nl.store(out[:, 23 * F:24 * F], value=nl.sigmoid(yt))
    nl.store(out[:, 24 * F:25 * F], value=nl.silu(yt))
    nl.store(out[:, 25 * F:26 * F], value=nl.gelu(yt))
    nl.store(out[:, 26 * F:27 * F], value=nl.relu(yt))
    nl.store(out[:, 27 * F:28 * F], value=nl.rsqrt(xt))
    nl.store(out[:, 28 * F:29 * F], value=nl.sqrt(xt))
    nl.store(out[:, 29 * F:30 * F], value=nl.square(yt))
    nl.store(out[:, 30 * F:31 * F], value=nl.reciprocal(xt))
    # nisa with tile operands, two ops, reverse
    ts = nisa.tensor_scalar(xt, op0=nl.subtract, operand0=st, reverse0=True, op1=nl.multiply,
                            operand1=0.25)
    nl.store(out[:, 31 * F:32 * F], value=ts)
    ts2 = nisa.tensor_scalar(data=yt, op0=np.multiply, operand0=st, op1=nl.add, operand1=st,
                             engine=nisa.gpsimd_engine)
    nl.store(out[:, 32 * F:33 * F], value=ts2)
    act = nisa.activation(op=nl.tanh, data=xt, bias=st, scale=2.0)
    nl.store(out[:, 33 * F:34 * F], value=act)
    act2 = nisa.activation(op=nl.exp, data=yt, scale=st)
    nl.store(out[:, 34 * F:35 * F], value=act2)
    nl.store(out[:, 35 * F:36 * F], value=nisa.tensor_tensor(xt, yt, op=nl.divide))
    nl.store(out[:, 36 * F:37 * F], value=nisa.tensor_tensor(xt, yt, op=nl.greater_equal))
    nl.store(out[:, 37 * F:38 * F], value=nl.copy(yt))
    nl.store(out[:, 38 * F:39 * F], value=nisa.tensor_copy(xt, engine=nisa.scalar_engine))
    nl.store(out[:, 39 * F:40 * F], value=nisa.activation(op=nl.copy, data=yt, scale=st))
    return out


def reference(x, y, s):  # numpy only, in float64
    x, y, s = (np.asarray(a, dtype=np.float64) for a in (x, y, s))
    erf = np.vectorize(__import__("math").erf)
    sig = 1 / (1 + np.exp(-y))
    parts = [x + y, x - y, x * y, x / y, np.maximum(x, y), np.minimum(x, y),
             x + 0.5, 1.0 - x, y * 3.0, 2.0 / y, np.maximum(y, 0.0), np.minimum(x, 1.0),
             x + y, x * 2.0, 1.0 - x, -y, x / y,
             x - s, s / x, y * s,
             np.exp(x), np.log(x), np.tanh(y), sig, y * sig, 0.5 * y * (1 + erf(y / np.sqrt(2))),
             np.maximum(y, 0), 1 / np.sqrt(x), np.sqrt(x), y * y, 1 / x,
             (s - x) * 0.25, y * s + s, np.tanh(2.0 * x + s), np.exp(y * s), x / y,
             (x >= y).astype(np.float64), y, x, y * s]
    return np.concatenate(parts, axis=1)


KERNEL = elementwise_ops
DTYPE = "float32"
INPUT_SHAPES = {"x": (128, 64), "y": (128, 64), "s": (128, 1)}
