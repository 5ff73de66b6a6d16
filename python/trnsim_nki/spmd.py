"""SPMD launches for both stand-in modes: `kernel[2, 3](a, b)` runs the kernel once per
program of the grid, and `nl.program_id(axis)` / `nl.num_programs(axis)` / `nl.program_ndim()`
say which. NKI 0.1 runs a grid serially on one NeuronCore, so the launch is a nest of outer
sequential loops, the first axis outermost; in tracing mode they are recorded as loops named
`program_id_0`, `program_id_1`, ... (python/TRACE_FORMAT.md).
"""
import functools

_indices = []  # the program being run, one index per grid axis
_shape = []    # the grid of the launch being run; [] outside a launch (one program)


def _axis(axis, what):
    if not isinstance(axis, int) or not 0 <= axis < max(1, len(_shape)):
        raise IndexError(f"nl.{what}({axis!r}): the launch grid has {len(_shape) or 1} axes")
    return axis


def program_id(axis):
    return _indices[_axis(axis, "program_id")] if _shape else 0


def num_programs(axis=None):
    if axis is None:
        return functools.reduce(lambda a, b: a * b, _shape, 1)
    return _shape[_axis(axis, "num_programs")] if _shape else 1


def program_ndim():
    return len(_shape)


class Kernel:
    """What the decorators (`nki.jit` in any mode, `baremetal`, `benchmark`, `profile`) return:
    the kernel, called as is, or over a grid with `kernel[grid]`. `loop(count, name)` is the
    mode's loop: an iterable of range(count), recorded as a loop in tracing mode."""

    def __init__(self, function, loop):
        functools.update_wrapper(self, function)
        self.function, self.loop = function, loop

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    def __getitem__(self, grid):
        grid = grid if isinstance(grid, tuple) else (grid,)
        if not grid or not all(isinstance(n, int) and n >= 1 for n in grid):
            raise ValueError(f"an SPMD grid is one or more positive integers, not {grid!r}")
        return lambda *args, **kwargs: self.launch(list(grid), args, kwargs)

    def launch(self, grid, args, kwargs):
        if _shape:
            raise RuntimeError("an SPMD launch inside another launch is not supported")
        _shape[:], _indices[:] = grid, [0] * len(grid)
        try:
            return self._run_axis(0, args, kwargs)
        finally:
            _shape[:], _indices[:] = [], []

    def _run_axis(self, axis, args, kwargs):
        if axis == len(_shape):
            return self.function(*args, **kwargs)
        result = None
        for index in self.loop(_shape[axis], f"program_id_{axis}"):
            _indices[axis] = index
            result = self._run_axis(axis + 1, args, kwargs)
        return result


def decorator(loop):
    """A mode's `nki.jit`: usable bare (`@nki.jit`) or with options (`@nki.jit(mode=...)`,
    `@nki.benchmark(warmup=10, ...)`), which the stand-in ignores."""
    def jit(kernel=None, **options):
        if kernel is None:
            return lambda k: Kernel(k, loop)
        return Kernel(kernel, loop)
    return jit
