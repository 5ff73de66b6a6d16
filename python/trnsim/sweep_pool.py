"""Fans out the points of a `trnsim sweep` (sim/run/sweep.h) on an existing engine: a local
pool of worker processes (concurrent.futures, one `trnsim` process per point), or a Dask
cluster (Debian's python3-distributed) when given its scheduler address.

usage: python3 -m trnsim.sweep_pool COMMANDS.json DONE.jsonl [--jobs N] [--scheduler ADDR]

COMMANDS.json is a list of argv lists, one per point. DONE.jsonl gets one line per command as
it finishes: {"index": i, "returncode": rc, "stderr": its last line}. A command that dies (a
signal, a lost worker) is reported and the others go on.
"""
import argparse
import concurrent.futures
import json
import subprocess
import sys


def run_command(argv):
    """One point: its exit code and the last line of its stderr."""
    done = subprocess.run(argv, capture_output=True, text=True)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return done.returncode, lines[-1] if lines else ""


def local_pool(commands, jobs):
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_command, argv): i for i, argv in enumerate(commands)}
        for future in concurrent.futures.as_completed(futures):
            yield futures[future], future


def dask_cluster(commands, scheduler):
    from distributed import Client, as_completed  # python3-distributed

    with Client(scheduler) as client:
        futures = client.map(run_command, commands, pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        for future in as_completed(futures):
            yield index[future.key], future


def main(argv=None):
    parser = argparse.ArgumentParser(prog="trnsim.sweep_pool")
    parser.add_argument("commands")
    parser.add_argument("done")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--scheduler", default="")
    args = parser.parse_args(argv)
    with open(args.commands) as f:
        commands = json.load(f)
    finished = dask_cluster(commands, args.scheduler) if args.scheduler else local_pool(
        commands, max(1, args.jobs))
    with open(args.done, "w") as out:
        for index, future in finished:
            try:
                returncode, stderr = future.result()
            except Exception as lost:  # a worker that died, a task the cluster gave up on
                returncode, stderr = -1, f"{type(lost).__name__}: {lost}"
            out.write(json.dumps({"index": index, "returncode": returncode,
                                  "stderr": stderr}) + "\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
