#!/usr/bin/env python3
"""Produces the NeuronMM tables of the README by running trnsim (timing only, trn1):

  1. the shape chain K=8192, R=4096, N=16384 for M = 4096 .. 32768: dense matmul_optimized on
     M x K x N against xuv_sequential and xuv_fused;
  2. the ablation fused / explicit transpose / recompute / sequential on the Llama-3.2-1B,
     Llama-3.1-8B and DeepSeek-V3 MLP shapes;
  3. mlp_neuronmm against mlp_dense for Llama-3.2-1B and Llama-3.1-8B at 1, 128, 512, 2048 tokens.

usage: scripts/neuronmm_tables.py [--trnsim PATH] [--only sweep|ablation|mlp]
Uses only the Python standard library. Prints Markdown.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TRNSIM = os.path.join(HERE, "..", os.environ.get("TRNSIM_BUILD_DIR", "build"), "sim", "trnsim")

# Block sizes `trnsim tune xuv_fused --shape M=4096` found best (README: NeuronMM).
TUNED_FUSED = "TILES_IN_BLOCK_K=4,TILES_IN_BLOCK_R=16,TILES_IN_BLOCK_M=8,TILES_IN_BLOCK_N=1"


def run(trnsim, kernel, shape, params=""):
    cmd = [trnsim, "run", kernel, "--timing-only", "--json", "--shape", shape]
    if params:
        cmd += ["--param", params]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        return None, done.stderr.strip()
    d = json.loads(done.stdout)
    return d, None


def ms(d):
    return d["sim_time_ns"] / 1e6


def hbm_gb(d):
    return (d["hbm_read_bytes"] + d["hbm_write_bytes"]) / 1e9


def sweep(trnsim):
    print("| M | dense, tutorial blocks | dense, blocks fitted to SBUF | xuv_sequential | xuv_fused (authors' blocks) | xuv_fused (tuned blocks) |")
    print("|---|---|---|---|---|---|")
    for m in (4096, 8192, 16384, 32768):
        tutorial, err = run(trnsim, "matmul_optimized", f"M={m},K=8192,N=16384")
        dense, err = run(trnsim, "matmul_optimized", f"M={m},K=8192,N=16384",
                         "TILES_IN_BLOCK_M=0,TILES_IN_BLOCK_N=0,TILES_IN_BLOCK_K=0")
        best = min(ms(tutorial), ms(dense))
        cells = []
        for kernel, params in (("xuv_sequential", ""), ("xuv_fused", ""), ("xuv_fused", TUNED_FUSED)):
            d, e = run(trnsim, kernel, f"M={m},K=8192,R=4096,N=16384", params)
            cells.append(f"error: {e}" if d is None else
                         f"{ms(d):.2f} ms, {best / ms(d):.2f}x, {hbm_gb(d):.2f} GB, util T {d['engines']['Tensor']['utilization']:.2f} V {d['engines']['Vector']['utilization']:.2f} DMA {d['engines']['DMA']['utilization']:.2f}")
        dense_cells = [f"{ms(d):.2f} ms, {hbm_gb(d):.2f} GB (spill {d['spill_bytes'] / 1e9:.2f}), util T {d['engines']['Tensor']['utilization']:.2f}"
                       for d in (tutorial, dense)]
        print(f"| {m} | " + " | ".join(dense_cells + cells) + " |")
    print("\nEach XUV cell: simulated time, speedup over the faster dense variant, HBM bytes read +"
          " written, engine utilisation (Tensor, Vector, DMA). Dense cells: time, HBM bytes (of which"
          " spill writes), Tensor utilisation.")


MODELS = (("Llama-3.2-1B", 2048, 1280, 8192), ("Llama-3.1-8B", 4096, 2560, 14336), ("DeepSeek-V3", 7168, 4096, 18432))
VARIANTS = ("xuv_fused", "xuv_fused_explicit_transpose", "xuv_unfused_recompute", "xuv_sequential")


def ablation(trnsim, tokens=4096):
    print(f"| model (K, R, N), M={tokens} | " + " | ".join(VARIANTS) + " |")
    print("|---|" + "---|" * len(VARIANTS))
    for name, k, r, n in MODELS:
        shape = f"M={tokens},K={k},R={r},N={n}"
        # The same blocks for every fused variant: the authors' defaults, with 512-token blocks
        # where the explicit-transpose variant's extra X U rows would not fit SBUF otherwise.
        params = ""
        if run(trnsim, "xuv_fused_explicit_transpose", shape)[0] is None:
            params = "TILES_IN_BLOCK_K=4,TILES_IN_BLOCK_R=2,TILES_IN_BLOCK_M=4,TILES_IN_BLOCK_N=4"
        cells = []
        base = None
        for kernel in VARIANTS:
            d, e = run(trnsim, kernel, shape, "" if kernel == "xuv_sequential" else params)
            if d is None:
                cells.append(f"error: {e}")
                continue
            base = base or ms(d)
            cells.append(f"{ms(d):.2f} ms ({ms(d) / base:.2f}x), {hbm_gb(d):.2f} GB")
        note = " (512-token blocks)" if params else ""
        print(f"| {name} ({k}, {r}, {n}){note} | " + " | ".join(cells) + " |")
    print("\nEach cell: simulated time (relative to xuv_fused), HBM bytes read + written.")


def mlp(trnsim):
    print("| model (H, I, R) | tokens | mlp_dense | mlp_neuronmm | speedup |")
    print("|---|---|---|---|---|")
    for name, h, i, r in (("Llama-3.2-1B", 2048, 8192, 1280), ("Llama-3.1-8B", 4096, 14336, 2560)):
        for s in (1, 128, 512, 2048):
            dense, e1 = run(trnsim, "mlp_dense", f"S={s},H={h},I={i}")
            svd, e2 = run(trnsim, "mlp_neuronmm", f"S={s},H={h},I={i},R={r}")
            if dense is None or svd is None:
                print(f"| {name} | {s} | {e1 or ''} | {e2 or ''} | |")
                continue
            print(f"| {name} ({h}, {i}, {r}) | {s} | {ms(dense):.3f} ms, {hbm_gb(dense):.3f} GB | "
                  f"{ms(svd):.3f} ms, {hbm_gb(svd):.3f} GB | {ms(dense) / ms(svd):.2f}x |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trnsim", default=DEFAULT_TRNSIM)
    parser.add_argument("--only", choices=("sweep", "ablation", "mlp"))
    args = parser.parse_args()
    if not os.path.exists(args.trnsim):
        sys.exit(f"{args.trnsim} not found: run scripts/setup.sh first")
    for name, table in (("sweep", sweep), ("ablation", ablation), ("mlp", mlp)):
        if args.only in (None, name):
            print(f"\n### {name}\n")
            table(args.trnsim)


if __name__ == "__main__":
    main()
