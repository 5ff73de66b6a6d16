"""trnsim from Python: `trnsim.simulate(kernel, *arrays)` runs an NKI kernel on the simulator,
the drop-in for `nki.simulate_kernel` that also gives the time.

    import numpy as np
    import trnsim                      # makes `neuronxcc.nki` importable (trnsim's stand-in)
    from my_kernels import matmul      # an unmodified @nki.jit kernel
    result, summary = trnsim.simulate(matmul, lhsT, rhs, dtype="bfloat16")
    print(summary["sim_time_ns"], summary["max_abs_err"])

Needs only Debian's /usr/bin/python3 with python3-numpy, and the `trnsim` program (found via
$TRNSIM_BINARY, then PATH, then the build tree beside this directory). The arrays go through
.npy files in a temporary directory to `trnsim run-nki FILE.py:KERNEL --inputs ... --outputs
... --json`, which traces the kernel's file, simulates it with numerics and writes its outputs.
"""
import importlib.util
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

__all__ = ["simulate", "Simulation", "TrnsimError", "find_binary"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_PYTHON_DIR = os.path.dirname(_HERE)
_REPO = os.path.dirname(_PYTHON_DIR)

# A user's kernel module does `import neuronxcc.nki`: without the Neuron SDK that is trnsim's
# tracing stand-in (the decorators leave the kernel a plain function). A real neuronxcc wins.
if importlib.util.find_spec("neuronxcc") is None:
    sys.path.append(os.path.join(_PYTHON_DIR, "trnsim_nki", "tracing"))

_NESTED = "TRNSIM_SIMULATE_KERNEL_FILE"  # set for the trnsim that simulate() runs

_DTYPES = {"bfloat16": "bf16", "bf16": "bf16", "float16": "fp16", "fp16": "fp16",
           "float32": "fp32", "fp32": "fp32"}


class TrnsimError(RuntimeError):
    """trnsim refused the kernel or its inputs; `exit_code` is 1 (a run that failed) or 2 (bad
    input), the message is trnsim's one line."""

    def __init__(self, message, exit_code=1):
        super().__init__(message)
        self.exit_code = exit_code


class Simulation:
    """What `simulate` returns. Unpacks as `result, summary = simulate(...)`.

    result:  the kernel's returned output as a numpy float32 array (a tuple if it returns
             several); None with timing_only.
    summary: the `trnsim run --json` summary as a dict (sim_time_ns, engines, max_abs_err, ...).
    outputs: every output HBM tensor by name ({} with timing_only).
    """

    def __init__(self, result, summary, outputs):
        self.result, self.summary, self.outputs = result, summary, outputs

    def __iter__(self):
        return iter((self.result, self.summary))

    def __repr__(self):
        return (f"Simulation(sim_time_ns={self.summary.get('sim_time_ns')}, "
                f"outputs={sorted(self.outputs)})")


def find_binary():
    """The trnsim program: $TRNSIM_BINARY, else `trnsim` on PATH, else the build tree."""
    tried = []
    given = os.environ.get("TRNSIM_BINARY")
    if given:
        if os.access(given, os.X_OK) and os.path.isfile(given):
            return given
        raise TrnsimError(f"$TRNSIM_BINARY is {given!r}, which is not an executable file", 2)
    tried.append("$TRNSIM_BINARY (not set)")
    on_path = shutil.which("trnsim")
    if on_path:
        return on_path
    tried.append("PATH")
    build_dir = os.environ.get("TRNSIM_BUILD_DIR", os.path.join(_REPO, "build"))
    built = os.path.join(build_dir, "sim", "trnsim")
    if os.access(built, os.X_OK):
        return built
    tried.append(built)
    raise TrnsimError("no trnsim program: looked at " + ", ".join(tried) +
                      "; build it with scripts/setup.sh or set $TRNSIM_BINARY", 2)


def _kernel_location(kernel):
    """(file, name) of a decorated kernel: the file that defines it, the module-level name."""
    function = kernel
    # neuronxcc's GenericKernel (.func), trnsim's stand-in (.function), functools.wraps
    for attribute in ("func", "function", "__wrapped__"):
        function = getattr(function, attribute, function)
    function = inspect.unwrap(function)
    if not inspect.isfunction(function):
        raise TypeError(f"trnsim.simulate: {kernel!r} is not a kernel function")
    path = inspect.getsourcefile(function)
    if not path or not os.path.isfile(path):
        raise TypeError(f"trnsim.simulate: the kernel {function.__name__} is not defined in a "
                        "file (trnsim traces the kernel's file; define it in a .py file)")
    module = sys.modules.get(function.__module__)
    for name, value in vars(module).items() if module else ():
        if value is kernel or value is function:
            return os.path.abspath(path), name, function
    return os.path.abspath(path), function.__name__, function


def _dtype_name(value, what):
    name = getattr(value, "name", value)  # np.dtype, nl.bfloat16, or a string
    if not isinstance(name, str) or name not in _DTYPES:
        raise TypeError(f"trnsim.simulate: {what}: dtype {name} is not one of bfloat16, "
                        "float16, float32 (convert the array, or give dtype=)")
    return _DTYPES[name]


def _input_dtypes(names, arrays, dtype):
    """One trnsim dtype per input: from `dtype` (one for all, a dict by parameter name, or a
    list), else from the array (float32, float16, or ml_dtypes' bfloat16)."""
    if isinstance(dtype, dict):
        unknown = set(dtype) - set(names)
        if unknown:
            raise TypeError(f"trnsim.simulate: dtype names {sorted(unknown)}, which are not "
                            f"parameters of the kernel ({', '.join(names)})")
        chosen = [dtype.get(n) for n in names]
    elif isinstance(dtype, (list, tuple)):
        chosen = list(dtype) + [None] * (len(names) - len(dtype))
    else:
        chosen = [dtype] * len(names)
    out = []
    for name, array, d in zip(names, arrays, chosen):
        out.append(_dtype_name(d if d is not None else array.dtype, f"input '{name}'"))
    return out


def simulate(kernel, *arrays, hw="trn1", set=None, timing_only=False, trace=None, dtype=None,
             reference=None, grid=None):
    """Simulates `kernel` (a decorated NKI kernel function) on `arrays` (numpy arrays, one per
    kernel parameter without a default, in order).

    hw:          a config name in hwconfig/ (trn1, trn2) or a YAML path.
    set:         overrides, a list of "section.key=value" strings or a dict.
    timing_only: no numerics (inputs are only shapes; no outputs, no max_abs_err).
    trace:       write a Perfetto trace of the run to this path.
    dtype:       the kernel's view of the inputs; default each array's own (float32, float16,
                 ml_dtypes.bfloat16). numpy has no bfloat16: pass float32 arrays with
                 dtype="bfloat16" (one for all, a dict by parameter name, or a list) and their
                 values are rounded to bfloat16 (nearest even) as the kernel reads them.
    reference:   the name of a numpy reference function in the kernel's file, called with the
                 inputs the simulator used (default: `reference`, if the file has one); the
                 summary's max_abs_err compares the kernel's returned outputs with it.
    grid:        an SPMD launch grid (an int or a tuple), for `kernel[grid](*arrays)`: every
                 program runs serially on one core, as NKI 0.1 does.
    Returns a Simulation (unpacks as `result, summary`). Raises TrnsimError with trnsim's one
    line if it refuses the kernel or the inputs.
    """
    if os.environ.get(_NESTED):
        # The kernel's file calls simulate() at import: trnsim, importing it to trace the
        # kernel, would start itself again, without end.
        raise TrnsimError(f"trnsim.simulate called while trnsim imports {os.environ[_NESTED]} "
                          "to trace it: call simulate() under `if __name__ == \"__main__\":`", 2)
    path, name, function = _kernel_location(kernel)
    names = [n for n, p in inspect.signature(function).parameters.items()
             if p.default is inspect.Parameter.empty]
    if len(arrays) != len(names):
        raise TypeError(f"trnsim.simulate: {name} takes {len(names)} input(s) "
                        f"({', '.join(names)}), got {len(arrays)}")
    arrays = [np.asarray(a) for a in arrays]
    dtypes = _input_dtypes(names, arrays, dtype)
    binary = find_binary()
    with tempfile.TemporaryDirectory(prefix="trnsim-simulate-") as tmp:
        inputs, outputs = os.path.join(tmp, "inputs"), os.path.join(tmp, "outputs")
        os.mkdir(inputs)
        os.mkdir(outputs)
        trace_file = os.path.join(tmp, "kernel.jsonl")
        command = [binary, "run-nki", f"{path}:{name}", "--hw", str(hw), "--json", "--quiet",
                   "--save-trace", trace_file]
        for n, array, d in zip(names, arrays, dtypes):
            command += ["--arg", f"{n}={'x'.join(str(s) for s in array.shape)}:{d}"]
            if not timing_only:
                stored = np.float16 if d == "fp16" else np.float32
                np.save(os.path.join(inputs, f"{n}.npy"),
                        np.ascontiguousarray(array.astype(stored)))
        overrides = [f"{k}={v}" for k, v in set.items()] if isinstance(set, dict) else set or []
        for o in overrides:
            command += ["--set", o]
        if trace:
            command += ["--trace", os.path.abspath(trace)]
        if grid is not None:
            axes = grid if isinstance(grid, (tuple, list)) else (grid,)
            command += ["--grid", "x".join(str(int(n)) for n in axes)]
        if timing_only:
            command.append("--timing-only")
        else:
            command += ["--inputs", inputs, "--outputs", outputs]
            if reference:
                command += ["--reference", reference]
        run = subprocess.run(command, capture_output=True, text=True,
                             env={**os.environ, _NESTED: path})
        if run.returncode != 0:
            lines = run.stderr.strip().splitlines()
            message = lines[-1] if lines else f"trnsim exited {run.returncode}"
            prefix = "trnsim: "
            raise TrnsimError(message[len(prefix):] if message.startswith(prefix) else message,
                              run.returncode)
        summary = json.loads(run.stdout)
        with open(trace_file) as f:
            returns = json.loads(f.readline()).get("returns", [])
        results = {os.path.splitext(f)[0]: np.load(os.path.join(outputs, f))
                   for f in sorted(os.listdir(outputs))}
    if timing_only:
        return Simulation(None, summary, {})
    returned = [results[n] for n in returns if n in results] or list(results.values())
    result = returned[0] if len(returned) == 1 else tuple(returned)
    return Simulation(result, summary, results)
