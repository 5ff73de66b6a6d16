#!/usr/bin/python3
"""A neuron-profile JSON export against a trnsim --csv run of the same kernel (per engine, per
opcode, and a PNG of the two timelines): see python/trnsim/profile_compare.py.

usage: scripts/profile_compare.py PROFILE.json SIM.csv [--png OUT.png] [--json]
Exit 0, or 2 with one line on stderr for bad input.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from trnsim.profile_compare import main  # noqa: E402

sys.exit(main())
