"""Runs a kernel file written by `trnsim emit-nki` against the numpy stand-in of neuronxcc.nki.

usage: python3 -m trnsim_nki run-emitted KERNEL.py INPUT.f32 [INPUT.f32 ...]
           --output OUT.f32 --operations OPS.json [--engines ENGINES.json]
           [--opcodes NAME,NAME,...] [--reference REF.f32]

Inputs are raw float32 files in the order of the kernel's parameters (INPUT_SHAPES); the output
is written as raw float32, and the operation counts as a JSON object; --engines writes the
compute operations' counts again, each with the engine it runs on ("TENSOR_COPY 128x512 on
Vector"; "unknown" where the call leaves the engine to the compiler). With --opcodes (the
simulator's opcode table), every operation the stand-in records must name one of them. With
--reference, the file's reference function (plain numpy, written apart from the kernel, as in
tests/nki_kernels/) is applied to the same inputs and its result written as raw float32.
"""
import argparse
import importlib.util
import json

import numpy as np

from . import use


def main(argv):
    use("numerics")
    from neuronxcc.nki import _runtime

    parser = argparse.ArgumentParser(prog="trnsim_nki run-emitted")
    parser.add_argument("kernel_file")
    parser.add_argument("inputs", nargs="*")
    parser.add_argument("--output", required=True)
    parser.add_argument("--operations", required=True)
    parser.add_argument("--engines", default="")
    parser.add_argument("--opcodes", default="")
    parser.add_argument("--reference", default="")
    args = parser.parse_args(argv)
    _runtime.OPCODES.update(name for name in args.opcodes.split(",") if name)

    spec = importlib.util.spec_from_file_location("emitted_kernel", args.kernel_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    dtype = _runtime.DType(module.DTYPE)
    tensors = []
    for path, shape in zip(args.inputs, module.INPUT_SHAPES.values()):
        values = np.fromfile(path, dtype=np.float32).reshape(shape)
        tensors.append(_runtime.Tile(_runtime.round_to(dtype, values), dtype, "hbm"))
    if args.reference:
        reference = module.reference(*(t.values.copy() for t in tensors))
        np.asarray(reference, dtype=np.float32).tofile(args.reference)
    result = module.KERNEL(*tensors)
    result.values.astype(np.float32).tofile(args.output)
    with open(args.operations, "w") as f:
        json.dump(dict(_runtime.OPERATIONS), f, indent=1, sort_keys=True)
    if args.engines:
        with open(args.engines, "w") as f:
            json.dump(dict(_runtime.ENGINES), f, indent=1, sort_keys=True)
