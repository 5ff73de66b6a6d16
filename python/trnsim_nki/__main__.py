"""python3 -m trnsim_nki trace FILE.py[:KERNEL] -o TRACE.jsonl
python3 -m trnsim_nki reference FILE.py --function FUNC -o DIR INPUT.npy ...
python3 -m trnsim_nki run-emitted KERNEL.py INPUT.f32 ... --output OUT.f32 --operations OPS.json
"""
import sys

COMMANDS = ("trace", "reference", "run-emitted")


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: python3 -m trnsim_nki {{{','.join(COMMANDS)}}} ... (see --help)")
    command, argv = sys.argv[1], sys.argv[2:]
    if command == "trace":
        from . import trace_command
        trace_command.main(argv)
    elif command == "reference":
        from . import reference_command
        reference_command.main(argv)
    else:
        from . import run_emitted
        run_emitted.main(argv)


main()
