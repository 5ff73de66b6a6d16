#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses into tests/fuzz/corpus/<loader>/.

Seeds are the project's own valid files (traces/programs, hwconfig, traces/measured, and, with
--trnsim, a summary, a trace, a saved program and NKI kernel traces of small runs), each also
truncated, plus
hand-made hostile inputs: deep nesting, huge counts and sizes, 1e400, invalid UTF-8, misspelt
keys, duplicate keys, YAML alias bombs. Inputs a fuzzer found that crashed are added by hand as
corpus/<loader>/regression-*; this script never removes files.

    tests/fuzz/make_corpus.py [--trnsim build/sim/trnsim]
"""
import argparse
import json
import pathlib
import struct
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fuzz" / "corpus"

# Deep enough to pass the loaders' limit of 64 levels, small enough to keep mutations fast.
DEEP = 1000


def write(loader, name, data):
    directory = CORPUS / loader
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data.encode() if isinstance(data, str) else data)


def with_truncated(loader, name, data):
    write(loader, name, data)
    write(loader, "truncated-" + name, data[: len(data) // 2])


def program_seeds():
    for path in sorted((ROOT / "traces" / "programs").glob("*.json")):
        with_truncated("program_json", path.name, path.read_bytes())
    tiny = json.loads((ROOT / "traces" / "programs" / "tiny_matmul.json").read_text())
    write("program_json", "deep-array", "[" * DEEP + "]" * DEEP)
    write("program_json", "deep-in-name", '{"format":"trnsim-program","name":' + "[" * DEEP)
    write("program_json", "number-overflow",
          json.dumps(tiny).replace('"version": 1', '"version": 1e400'))
    write("program_json", "bad-utf8",
          json.dumps(tiny).encode().replace(b"tiny_matmul", b"tiny\xff\xfematmul"))
    huge = json.loads(json.dumps(tiny))
    huge["tensors"][0]["rows"] = 2**62
    write("program_json", "huge-tensor", json.dumps(huge))
    dims = json.loads(json.dumps(tiny))
    for stream in dims["streams"].values():
        for instruction in stream:
            instruction["dst"]["dims"] = [[2, 2147483648]]
    write("program_json", "huge-dims", json.dumps(dims))
    typo = json.loads(json.dumps(tiny))
    typo["steams"] = typo.pop("streams")
    write("program_json", "misspelt-key", json.dumps(typo))
    write("program_json", "duplicate-key", '{"format":"trnsim-program","format":"x"}')


def hw_seeds():
    for path in sorted((ROOT / "hwconfig").glob("*.yaml")):
        with_truncated("hw_yaml", path.name, path.read_bytes())
    for path in sorted((ROOT / "tests" / "fixtures").glob("*.yaml")):
        write("hw_yaml", "fixture-" + path.name, path.read_bytes())
    write("hw_yaml", "deep-flow", "base: trn1\ndma: " + "[" * DEEP + "]" * DEEP + "\n")
    write("hw_yaml", "deep-map", "base: trn1\ndma: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n")
    bomb = ["base: trn1", "l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 8)]
    write("hw_yaml", "alias-bomb", "\n".join(bomb) + "\n")
    write("hw_yaml", "alias-self", "base: trn1\nname: &n [*n]\n")
    write("hw_yaml", "number-overflow", "base: trn1\nhbm:\n  efficiency: 1e400\n")
    write("hw_yaml", "huge-integer", "base: trn1\ndma:\n  engines: 99999999999999999999999\n")
    write("hw_yaml", "misspelt-key", "base: trn1\nhbm:\n  efficency: 0.3\n")
    write("hw_yaml", "bad-utf8", b"base: trn1\nname: \xff\xfe\n")
    write("hw_yaml", "base-cycle", "base: config.yaml\n")


def measurement_seeds():
    path = ROOT / "traces" / "measured" / "nki_matmul_tutorial_trn1.json"
    text = path.read_text()
    with_truncated("measurements", path.name, text)
    good = json.loads(text)
    small = json.loads(text)
    for row in small["measurements"]:
        row["shape"] = "M=128,K=128,N=512"
    write("measurements", "small-shapes.json", json.dumps(small))
    typo = json.loads(text)
    typo["measurements"][0]["parms"] = "TILES_IN_BLOCK_M=16"
    write("measurements", "misspelt-params.json", json.dumps(typo))
    huge = json.loads(text)
    huge["measurements"][0]["shape"] = "M=99999999999999999999,K=8192,N=8192"
    huge["measurements"][1]["params"] = "TILES_IN_BLOCK_M=144115188075855872"
    write("measurements", "huge-counts.json", json.dumps(huge))
    write("measurements", "number-overflow.json", text.replace("51.80", "1e400"))
    write("measurements", "bad-utf8.json", text.encode().replace(b"matmul_naive", b"matmul\xff"))
    write("measurements", "deep.json", '{"measurements":' + "[" * DEEP)
    many = dict(good, measurements=good["measurements"] * 250)
    write("measurements", "many-rows.json", json.dumps(many))


def record_seeds(trnsim):
    if trnsim:
        with tempfile.TemporaryDirectory() as tmp:
            run = [trnsim, "run", "matmul_hoisted", "--shape", "M=128,K=256,N=512",
                   "--timing-only", "--json", "--trace", tmp + "/trace.json",
                   "--save-program", tmp + "/program.json"]
            summary = subprocess.run(run, check=True, capture_output=True, text=True).stdout
            with_truncated("replay_record", "summary.json", summary)
            with_truncated("replay_record", "trace.json",
                           pathlib.Path(tmp, "trace.json").read_bytes())
            with_truncated("program_json", "saved-hoisted.json",
                           pathlib.Path(tmp, "program.json").read_bytes())
            program = subprocess.run(
                [trnsim, "run-program", str(ROOT / "traces/programs/tiny_matmul.json"), "--json"],
                check=True, capture_output=True, text=True).stdout
            write("replay_record", "run-program-summary.json", program)
    summary_path = CORPUS / "replay_record" / "summary.json"
    if not summary_path.exists():
        return
    summary = json.loads(summary_path.read_text())
    record = summary["replay"]
    write("replay_record", "deep.json", '{"replay":' + "{\"a\":" * DEEP)
    write("replay_record", "number-overflow.json",
          json.dumps(summary).replace('"seed": 1', '"seed": 1e400'))
    huge = json.loads(json.dumps(summary))
    huge["replay"]["seed"] = 2**64 - 1
    huge["replay"]["shape"]["M"] = 2**63
    write("replay_record", "huge-counts.json", json.dumps(huge))
    write("replay_record", "bad-utf8.json",
          json.dumps(summary).encode().replace(b"matmul_hoisted", b"matmul\xff"))
    write("replay_record", "record-only.json", json.dumps({"replay": record}))


def nki_trace_seeds(trnsim):
    if trnsim:
        with tempfile.TemporaryDirectory() as tmp:
            kernel = tmp + "/hoisted.py"
            subprocess.run([trnsim, "emit-nki", "matmul_hoisted", "--shape", "M=128,K=256,N=512",
                            "-o", kernel], check=True)
            for name, source in [("hoisted", kernel),
                                 ("tiled", str(ROOT / "tests/nki_kernels/matmul_tiled.py"))]:
                args = [] if name == "hoisted" else ["--arg", "lhsT=256x128:bf16",
                                                     "--arg", "rhs=256x512:bf16"]
                subprocess.run([trnsim, "run-nki", source, "--timing-only", "--quiet",
                                "--save-trace", f"{tmp}/{name}.jsonl"] + args,
                               check=True, capture_output=True)
                with_truncated("nki_trace", name + ".jsonl",
                               pathlib.Path(tmp, name + ".jsonl").read_bytes())
            # N-D tensors, masks, strided and broadcast views (python/TRACE_FORMAT.md, "Views")
            for name in ["nd_tensors", "arange_indexing", "free_transpose"]:
                subprocess.run([trnsim, "run-nki", str(ROOT / f"tests/nki_kernels/{name}.py"),
                                "--timing-only", "--quiet", "--save-trace", f"{tmp}/{name}.jsonl"],
                               check=True, capture_output=True)
                write("nki_trace", name + ".jsonl", pathlib.Path(tmp, name + ".jsonl").read_bytes())
    header = '{"format": "trnsim-nki-trace", "version": 2, "kernel": "k"}\n'
    write("nki_trace", "unknown-event.jsonl", header + '{"event": "matmull"}\n')
    write("nki_trace", "misspelt-field.jsonl",
          header + '{"event": "loop_begin", "name": "i", "count": 1, "knd": "affine"}\n')
    write("nki_trace", "deep.jsonl", header + "[" * DEEP + "\n")
    write("nki_trace", "number-overflow.jsonl", header + '{"event": "iteration", "index": 1e400}\n')
    write("nki_trace", "bad-utf8.jsonl",
          header.encode() + b'{"event": "hbm", "id": 0, "name": "\xff", "rows": 1, "cols": 1}\n')
    write("nki_trace", "huge-loop.jsonl", header +
          '{"event": "loop_begin", "name": "i", "count": 9223372036854775807, "kind": "affine"}\n'
          '{"event": "iteration", "index": 0}\n{"event": "loop_end"}\n')
    write("nki_trace", "huge-tile.jsonl", header +
          '{"event": "tile", "id": 1, "name": "t", "site": "k.py:1", "memory": "sbuf", '
          '"dtype": "bf16", "block_dims": [4294967296, 4294967296], "partitions": 128, '
          '"free": 4294967296, "bufs": 2}\n')
    write("nki_trace", "huge-pattern.jsonl", header +
          '{"event": "hbm", "id": 0, "name": "x", "rows": 8, "cols": 64, "dtype": "bf16", '
          '"role": "input", "shape": [2, 4, 64]}\n'
          '{"event": "tile", "id": 1, "name": "t", "site": "k.py:1", "memory": "sbuf", '
          '"dtype": "bf16", "block_dims": [], "partitions": 8, "free": 64, "bufs": 1}\n'
          '{"event": "dma_copy", "dst": [1, [], 0, 8, 0, 64], "src": [0, [], 0, 8, 0, 64, '
          '-4611686018427387904, [[9223372036854775807, 8], [-1, 8]]]}\n')


def safetensors_bytes(header, data=b""):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def weights_seeds():
    tensor = {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}
    floats = struct.pack("<4f", 1, -2, 3.5, 0)
    with_truncated("safetensors", "f32.safetensors", safetensors_bytes({"w": tensor}, floats))
    write("safetensors", "mixed.safetensors", safetensors_bytes(
        {"__metadata__": {"producer": "seed"},
         "a": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8]},
         "b": {"dtype": "F16", "shape": [1, 2], "data_offsets": [8, 12]},
         "c": {"dtype": "I64", "shape": [1], "data_offsets": [12, 20]}},
        bytes(range(20))))
    write("safetensors", "huge-header-length", struct.pack("<Q", 2**63) + b"{}")
    write("safetensors", "huge-offsets", safetensors_bytes(
        {"w": {"dtype": "F32", "shape": [2**40, 2**40], "data_offsets": [0, 2**64 - 1]}}))
    write("safetensors", "deep-header", safetensors_bytes(("[" * DEEP).encode()))
    write("safetensors", "number-overflow",
          safetensors_bytes(b'{"w":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}}',
                            b"\0" * 4))
    write("safetensors", "bad-utf8",
          safetensors_bytes(b'{"w\xff":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
                            b"\0" * 4))
    write("safetensors", "misspelt-key", safetensors_bytes(
        {"w": {"dtype": "F32", "shape": [1], "data_offset": [0, 4]}}, b"\0" * 4))


def npy_bytes(header, data, version=1):
    text = header.encode()
    text += b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    length = struct.pack("<H", len(text)) if version == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + length + text + data


def npy_seeds():
    f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
    data = struct.pack("<6f", *range(6))
    with_truncated("npy", "f4.npy", npy_bytes(f4, data))
    write("npy", "f2-v2.npy", npy_bytes(f4.replace("<f4", "<f2"), data[:12], version=2))
    write("npy", "fortran.npy", npy_bytes(f4.replace("False", "True"), data))
    write("npy", "huge-shape.npy",
          npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (999999999999999, "
                    "999999999999999), }", b""))
    write("npy", "huge-header-length.npy", b"\x93NUMPY\x02\x00\xff\xff\xff\xff{}")
    write("npy", "unknown-key.npy", npy_bytes(f4.replace("'shape'", "'shap'"), data))
    write("npy", "duplicate-key.npy", npy_bytes(f4[:-3] + ", 'shape': (1,), }", data))
    write("npy", "bad-descr.npy", npy_bytes(f4.replace("<f4", "|O\n\xff"), data))


def cli_text_seeds():
    for i, text in enumerate([
            "M=4096,K=8192,N=8192", "TILES_IN_BLOCK_M=16,TILES_IN_BLOCK_N=2",
            "hbm.efficiency=0.3", "hbm.model=interleavd", "dma.engines=1e400",
            "M\n=1", "TILES_IN_BLOCK_M=144115188075855872", "M=99999999999999999999999",
            ",,,", "=", "matmul_naive", "bf16", "Q" * 5000 + "=1"]):
        write("cli_text", f"seed-{i:02d}", text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trnsim", help="a trnsim binary, to regenerate the output seeds")
    args = parser.parse_args()
    program_seeds()
    hw_seeds()
    measurement_seeds()
    record_seeds(args.trnsim)
    weights_seeds()
    npy_seeds()
    nki_trace_seeds(args.trnsim)
    cli_text_seeds()


if __name__ == "__main__":
    main()
