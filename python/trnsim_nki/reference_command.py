"""`python3 -m trnsim_nki reference FILE.py --function FUNC -o DIR IN.npy ...`: the numpy
reference of an NKI kernel, for `trnsim run-nki` (sim/run/nki_numerics.cpp). Imports the kernel
file (its `neuronxcc.nki` imports resolve to the tracing stand-in), calls FUNC(*inputs) with the
inputs as float32 arrays, in the order of the kernel's parameters (the values the simulator
used, already rounded to their dtypes), and writes what it returns, one array or a tuple or list
of them, as DIR/0.npy, DIR/1.npy, ... in float32.

Exit 0 when written; 3 with --optional when the file has no FUNC (nothing is written); 1 with
one line on stderr otherwise (a file that cannot be imported, a FUNC that raises, a result that
is not numbers), naming the file and line.
"""
import argparse
import os
import sys

from . import use

NO_FUNCTION = 3


def main(argv):
    parser = argparse.ArgumentParser(prog="trnsim_nki reference")
    parser.add_argument("kernel_file")
    parser.add_argument("inputs", nargs="*", help="the kernel's inputs as .npy, in order")
    parser.add_argument("--function", default="reference")
    parser.add_argument("--optional", action="store_true",
                        help=f"exit {NO_FUNCTION} without a message if there is no such function")
    parser.add_argument("-o", "--output", required=True, help="an existing directory")
    args = parser.parse_intermixed_args(argv)
    use("tracing")
    import numpy as np

    from .trace_command import kernel_line, load_module

    path = args.kernel_file
    try:
        module = load_module(path)
    except Exception as e:  # noqa: BLE001 (any error of the user's file is one line)
        sys.exit(f"trnsim_nki: {kernel_line(e, path)}: {type(e).__name__}: {e}")
    function = getattr(module, args.function, None)
    if not callable(function):
        if args.optional:
            sys.exit(NO_FUNCTION)
        sys.exit(f"trnsim_nki: {path}: no reference function {args.function!r} in the file")
    inputs = [np.load(p, allow_pickle=False).astype(np.float32) for p in args.inputs]
    try:
        result = function(*inputs)
    except Exception as e:  # noqa: BLE001
        sys.exit(f"trnsim_nki: {kernel_line(e, path)}: the reference {args.function}() raised "
                 f"{type(e).__name__}: {e}")
    arrays = list(result) if isinstance(result, (tuple, list)) else [result]
    for k, array in enumerate(arrays):
        try:
            values = np.asarray(array, dtype=np.float32)
        except (TypeError, ValueError) as e:
            sys.exit(f"trnsim_nki: {path}: {args.function}() returned a "
                     f"{type(array).__name__} that is not an array of numbers ({e})")
        np.save(os.path.join(args.output, f"{k}.npy"), np.ascontiguousarray(values))
