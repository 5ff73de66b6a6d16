"""`python3 -m trnsim_nki trace FILE.py[:KERNEL] [--arg NAME=SHAPE:DTYPE ...] [--grid N[xM..]]
-o T.jsonl`:
runs the kernel function of an NKI file eagerly against the tracing stand-in and writes its
backend-level calls (python/TRACE_FORMAT.md). The inputs are the kernel's parameters, with the
shapes and dtypes of --arg (one per parameter), or else of the file's INPUT_SHAPES and DTYPE,
which every file `trnsim emit-nki` writes has. `--grid 2x3` launches it over an SPMD grid
(trnsim_nki.spmd). Errors are one line on stderr, exit 1.
"""
import argparse
import importlib.util
import inspect
import os
import re
import sys
import traceback

from . import use


def load_module(path):
    spec = importlib.util.spec_from_file_location("nki_kernel_file", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def kernel_line(error, path):
    """file:line of the innermost frame of the kernel file, for an error raised in it."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if os.path.abspath(f.filename) == os.path.abspath(path)]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else path


DTYPE_NAMES = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32", "bfloat16": "bfloat16",
               "float16": "float16", "float32": "float32"}


def parse_args(specs, kernel, error):
    """{name: (shape, dtype)} from NAME=SHAPE:DTYPE, one per kernel parameter, in order; SHAPE
    is the dimensions joined by x, of any rank (ROWSxCOLS, or 4x128x512)."""
    given = {}
    for spec in specs:
        match = re.fullmatch(r"(\w+)=(\d+(?:x\d+)*):(\w+)", spec)
        if not match or match.group(3) not in DTYPE_NAMES:
            raise error(f"--arg {spec}: expected NAME=SHAPE:DTYPE, SHAPE as ROWSxCOLS or "
                        "DxDx... (bf16, fp16, fp32)")
        given[match.group(1)] = (tuple(int(d) for d in match.group(2).split("x")),
                                 DTYPE_NAMES[match.group(3)])
    names = [n for n, p in inspect.signature(kernel).parameters.items()
             if p.default is inspect.Parameter.empty]  # parameters with defaults keep them
    for name in given:
        if name not in names:
            raise error(f"--arg {name}: the kernel has no parameter '{name}' "
                        f"(its parameters: {', '.join(names)})")
    missing = [n for n in names if n not in given]
    if missing:
        raise error(f"--arg: no shape for the kernel parameter(s) {', '.join(missing)}")
    return {name: given[name] for name in names}


def returned_names(result):
    """The names of the HBM tensors a kernel returned (one, or a tuple or list of them)."""
    from neuronxcc.nki import _trace

    names = {e["id"]: e["name"] for e in _trace.RECORDER.events if e["event"] == "hbm"}
    items = result if isinstance(result, (tuple, list)) else (result,)
    return [names[r.id] for r in items
            if isinstance(r, _trace.Handle) and r.memory == "hbm" and r.id in names]


def parse_grid(text, error):
    """The SPMD grid of --grid N or NxM...: a tuple of positive integers."""
    if not re.fullmatch(r"[1-9]\d{0,5}(x[1-9]\d{0,5}){0,3}", text):
        raise error(f"--grid {text}: expected N, NxM, ... (one to four positive integers)")
    return tuple(int(n) for n in text.split("x"))


def trace(path, kernel_name, out_path, arg_specs, grid=None):
    from neuronxcc.nki import _trace
    from neuronxcc.nki import language as nl
    from trnsim_nki import spmd

    module = load_module(path)
    kernel = getattr(module, kernel_name, None) if kernel_name else getattr(module, "KERNEL", None)
    if not callable(kernel):
        raise _trace.TraceError(f"{path}: no kernel function "
                                f"{kernel_name or 'KERNEL'!r} (give FILE.py:KERNEL)")
    if arg_specs:
        args = parse_args(arg_specs, kernel, _trace.TraceError)
    else:
        shapes = getattr(module, "INPUT_SHAPES", None)
        dtype = getattr(module, "DTYPE", None)
        if shapes is None or dtype is None:
            raise _trace.TraceError(f"{path}: no INPUT_SHAPES / DTYPE in the file: give each "
                                    "kernel parameter as --arg NAME=SHAPE:DTYPE")
        args = {name: (shape, dtype) for name, shape in shapes.items()}
    inputs = [nl.declare_hbm(name, shape, _trace.DType(dtype), "input")
              for name, (shape, dtype) in args.items()]
    # NKI 0.1: "any use of Python range(...) will be replaced with sequential_range(...)".
    module.range = nl.sequential_range
    if grid:
        launch = kernel if isinstance(kernel, spmd.Kernel) else spmd.Kernel(kernel, nl.named_loop)
        result = launch[parse_grid(grid, _trace.TraceError)](*inputs)
    else:
        result = kernel(*inputs)
    name = kernel_name or getattr(module, "KERNEL_NAME", kernel.__name__)
    temporary = out_path + ".partial"
    _trace.RECORDER.write(temporary, name, os.path.abspath(path), returned_names(result))
    os.replace(temporary, out_path)


def main(argv):
    parser = argparse.ArgumentParser(prog="trnsim_nki trace")
    parser.add_argument("kernel", help="FILE.py or FILE.py:KERNEL")
    parser.add_argument("-o", "--output", required=True, help="the trace to write (JSON lines)")
    parser.add_argument("--arg", action="append", default=[],
                        help="a kernel input: NAME=SHAPE:DTYPE, SHAPE as ROWSxCOLS or DxDx... "
                             "(bf16, fp16, fp32)")
    parser.add_argument("--grid", help="an SPMD launch grid, N or NxM...: the kernel runs once "
                        "per program, serially, as NKI 0.1 runs a grid on one NeuronCore")
    args = parser.parse_args(argv)
    path, _, kernel_name = args.kernel.partition(":")
    use("tracing")
    from neuronxcc.nki._trace import TraceError

    try:
        trace(path, kernel_name, args.output, args.arg, args.grid)
    except TraceError as e:
        sys.exit(f"trnsim_nki: {e}")
    except Exception as e:  # an error in the kernel file itself: name its line
        sys.exit(f"trnsim_nki: {kernel_line(e, path)}: {type(e).__name__}: {e}")
