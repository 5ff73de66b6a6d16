"""The stand-in's `nki.baremetal`, `nki.benchmark` and `nki.profile`: what the harness of an
emitted file (`python3 KERNEL.py`) meets on a trn1, as the SDK documents these decorators
(aws-neuron-sdk @1db4d74, nki/api/nki/__init__.py):

* `baremetal` runs the kernel on the numpy inputs it is given and returns its output;
* `benchmark` "does not use the actual inputs ... the output ... is undefined and should not be
  used for numerical accuracy checks": here its output is NaN. Its wrapper carries
  `benchmark_result.nc_latency.get_latency_percentile(p)`; the stand-in has no timing, so the
  latency is NaN too;
* "if save_trace_name is specified, save_neff_name must be set to 'file.neff'" (a known issue
  of baremetal, benchmark and profile): refused here, so a harness that breaks the rule fails;
* no file is written.

Every call is appended to CALLS as (decorator, options), and, if the environment names a file
in TRNSIM_STANDIN_CALLS, to that file as one JSON line.
"""
import json
import math
import os

import numpy as np

from trnsim_nki import spmd

CALLS = []


def _check_names(decorator, options):
    neff, trace = options.get("save_neff_name"), options.get("save_trace_name")
    if trace is not None and neff not in (None, "file.neff"):
        raise ValueError(f"nki.{decorator}: with save_trace_name the NEFF must be named "
                         f"'file.neff', not {neff!r} (SDK known issue)")


def _undefined(result):
    if isinstance(result, tuple):
        return tuple(_undefined(r) for r in result)
    if isinstance(result, np.ndarray):
        return np.full_like(result, np.nan)
    result.values[...] = np.nan
    return result


class _Latency:
    def get_latency_percentile(self, percentile):
        if percentile not in (0, 1, 10, 25, 50, 90, 99, 100):
            raise ValueError(f"no latency percentile {percentile}")
        return math.nan


class _Result:
    nc_latency = _Latency()


class _DeviceRun(spmd.Kernel):
    def __init__(self, kernel, decorator, options):
        from . import jit

        kernel = kernel if isinstance(kernel, spmd.Kernel) else jit(kernel)
        super().__init__(kernel.function, kernel.loop)
        self.decorator, self.options = decorator, options
        if decorator == "benchmark":
            self.benchmark_result = _Result()

    def __call__(self, *args, **kwargs):
        CALLS.append((self.decorator, dict(self.options)))
        if os.environ.get("TRNSIM_STANDIN_CALLS"):
            with open(os.environ["TRNSIM_STANDIN_CALLS"], "a") as log:
                log.write(json.dumps({"decorator": self.decorator, "options": self.options}) + "\n")
        _check_names(self.decorator, self.options)
        result = super().__call__(*args, **kwargs)
        if self.decorator == "benchmark":  # undefined: it did not run on these inputs
            result = _undefined(result)
        return None if self.decorator == "profile" else result


def _decorator(name):
    def decorate(kernel=None, **options):
        if kernel is None:
            return lambda k: _DeviceRun(k, name, options)
        return _DeviceRun(kernel, name, options)
    return decorate


baremetal = _decorator("baremetal")
benchmark = _decorator("benchmark")
profile = _decorator("profile")
