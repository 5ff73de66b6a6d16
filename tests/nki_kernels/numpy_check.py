"""Runs an NKI kernel file of this folder on the numpy stand-in of neuronxcc.nki (numerics
mode, python/trnsim_nki/numerics) and compares its result with the file's `reference`, a
numpy function of the same inputs: the kernel's output and the reference rounded to the
file's DTYPE must agree within --tolerance. Prints one JSON line; exit 0 when they agree.

usage: PYTHONPATH=python python3 tests/nki_kernels/numpy_check.py KERNEL.py [--seed N]
       [--tolerance T]
"""
import argparse
import importlib.util
import json
import sys

import numpy as np

from trnsim_nki import use


def main(argv):
    parser = argparse.ArgumentParser(prog="numpy_check")
    parser.add_argument("kernel_file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tolerance", type=float, default=0.0)
    args = parser.parse_args(argv)
    use("numerics")
    from neuronxcc.nki import _runtime

    spec = importlib.util.spec_from_file_location("kernel_under_test", args.kernel_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dtype = _runtime.DType(module.DTYPE)
    rng = np.random.default_rng(args.seed)
    arrays = [_runtime.round_to(dtype, rng.uniform(-1, 1, size=shape))
              for shape in module.INPUT_SHAPES.values()]
    tiles = [_runtime.Tile(a.copy(), dtype, "hbm") for a in arrays]
    got = np.asarray(module.KERNEL(*tiles).values, dtype=np.float32)
    expected = _runtime.round_to(dtype, module.reference(*arrays))
    same_shape = got.shape == expected.shape
    err = float(np.nanmax(np.abs(got - expected))) if same_shape else float("inf")
    unwritten = int(np.isnan(got).sum())
    print(json.dumps({"max_abs_err": err, "unwritten": unwritten, "shape": list(got.shape)}))
    return 0 if same_shape and unwritten == 0 and err <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
