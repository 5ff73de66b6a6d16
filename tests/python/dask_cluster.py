"""A local Dask cluster for tests/sweep_test.cpp: two worker processes, one thread each.
Prints the scheduler's address on a line of its own, then runs until STOP_FILE exists (or for
at most 300 s), and shuts the cluster down.

usage: /usr/bin/python3 tests/python/dask_cluster.py STOP_FILE
"""
import os
import sys
import time

from distributed import LocalCluster


def main():
    stop = sys.argv[1]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        print(cluster.scheduler_address, flush=True)
        deadline = time.time() + 300
        while not os.path.exists(stop) and time.time() < deadline:
            time.sleep(0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
