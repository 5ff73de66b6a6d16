"""`python3 -m trnsim_nki trace FILE.py[:KERNEL] -o TRACE.jsonl`: runs the kernel function of
an NKI file eagerly against the tracing stand-in and writes its backend-level calls
(python/TRACE_FORMAT.md). The inputs' shapes and dtype come from the file's INPUT_SHAPES and
DTYPE, which every file `trnsim emit-nki` writes has. Errors are one line on stderr, exit 1.
"""
import argparse
import importlib.util
import os
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


def trace(path, kernel_name, out_path):
    from neuronxcc.nki import _trace
    from neuronxcc.nki import language as nl

    module = load_module(path)
    kernel = getattr(module, kernel_name, None) if kernel_name else getattr(module, "KERNEL", None)
    if not callable(kernel):
        raise _trace.TraceError(f"{path}: no kernel function "
                                f"{kernel_name or 'KERNEL'!r} (give FILE.py:KERNEL)")
    shapes = getattr(module, "INPUT_SHAPES", None)
    dtype = getattr(module, "DTYPE", None)
    if shapes is None or dtype is None:
        raise _trace.TraceError(f"{path}: no INPUT_SHAPES / DTYPE; only files written by "
                                "`trnsim emit-nki` are supported yet (--arg is not yet supported)")
    inputs = [nl.declare_hbm(name, shape, _trace.DType(dtype), "input")
              for name, shape in shapes.items()]
    kernel(*inputs)
    name = kernel_name or getattr(module, "KERNEL_NAME", kernel.__name__)
    temporary = out_path + ".partial"
    _trace.RECORDER.write(temporary, name, os.path.abspath(path))
    os.replace(temporary, out_path)


def main(argv):
    parser = argparse.ArgumentParser(prog="trnsim_nki trace")
    parser.add_argument("kernel", help="FILE.py or FILE.py:KERNEL")
    parser.add_argument("-o", "--output", required=True, help="the trace to write (JSON lines)")
    args = parser.parse_args(argv)
    path, _, kernel_name = args.kernel.partition(":")
    use("tracing")
    from neuronxcc.nki._trace import TraceError

    try:
        trace(path, kernel_name, args.output)
    except TraceError as e:
        sys.exit(f"trnsim_nki: {e}")
    except Exception as e:  # an error in the kernel file itself: name its line
        sys.exit(f"trnsim_nki: {kernel_line(e, path)}: {type(e).__name__}: {e}")
