"""Draw the PE-level Tensor Engine's clock edges (trnsim run --pe-frames DIR).

    /usr/bin/python3 -m trnsim.pe_frames FRAMES.json OUT_DIR

reads the frames trnsim wrote (sim/trace/pe_frames_json.h) and writes OUT_DIR/step_NNN.png,
one per clock edge the array stepped (step 0 is its first), and OUT_DIR/pe.gif, all of them in
a loop. Each picture shows, after that
edge:

  * the array: one square per PE (row r = partition = contraction index k, column c = output
    partition m). Grey, top: the weight the PE holds for the matmul passing through it. Blue,
    middle: the moving value x[k][n] it holds, tagged with its column n. Orange, bottom: the
    partial sum of output (m, n) it passes down, with how many rows have added to it.
  * left of the array, the skew lines: row r waits r edges before its first PE, so that the
    value meets the partial sum coming down from above.
  * a yellow frame on the columns whose weights the loader wrote at this edge.
  * below, PSUM: output (m, n) turns green when its finished sum arrives from the bottom row.

Needs Debian's python3-matplotlib (and python3-pil, which it brings, for the GIF).
"""

import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

JOB_COLOURS = ["#1f5fbf", "#7b2fbf", "#0f8f8f", "#bf2f6f"]


def fail(message):
    print("trnsim.pe_frames: " + message, file=sys.stderr)
    sys.exit(1)


def job_colour(job):
    return JOB_COLOURS[job % len(JOB_COLOURS)]


def active_bank(matmuls, cycle):
    """The bank of the last matmul that has started feeding by `cycle` (else the first's)."""
    bank = matmuls[0]["bank"] if matmuls else 0
    for m in matmuls:
        if m["feed_start_cycle"] <= cycle:
            bank = m["bank"]
    return bank


def describe(matmuls, cycle):
    parts = []
    for m in matmuls:
        start, done = m["feed_start_cycle"], m["done_cycle"]
        name = "mm%d [K=%d, M=%d, N=%d]" % (m["job"], m["k"], m["m"], m["n"])
        if cycle < start:
            parts.append(name + (" loading weights" if m["loaded"] else " waiting"))
        elif cycle < done:
            parts.append(name + " in the array")
        elif cycle == done:
            parts.append(name + " done")
    return "; ".join(parts)


def draw(log, step, frame, psum, path):
    rows, columns = log["rows"], log["columns"]
    matmuls = log["matmuls"]
    cycle = frame["cycle"]
    n_max = max([m["n"] for m in matmuls] + [1])
    m_max = max([m["m"] for m in matmuls] + [1])
    size = 1.0
    fig_w = max(6.0, 1.15 * (columns + rows) + 1.5)
    fig_h = max(5.0, 1.15 * rows + 0.55 * m_max + 2.0)
    fig, ax = plt.subplots(figsize=(fig_w, fig_h))
    ax.set_xlim(-rows - 0.2, max(columns, n_max * 0.5) + 0.2)
    ax.set_ylim(-rows - 1.7 - 0.5 * m_max, 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    bank = active_bank(matmuls, cycle)
    loading = frame["loading"]
    font = 7 if columns <= 4 else 5
    for r in range(rows):
        for c in range(columns):
            pe = frame["pes"][r][c]
            x0, y0 = c, -r - 1
            loaded_here = loading is not None and loading[1] <= c < loading[2]
            ax.add_patch(Rectangle((x0, y0), size, size, fill=True, facecolor="#f4f4f4",
                                   edgecolor="#d4a000" if loaded_here else "#888888",
                                   linewidth=2.5 if loaded_here else 0.8))
            moving = pe["x"]
            shown_bank = moving[3] if moving else bank
            ax.text(x0 + 0.5, y0 + 0.83, "w %.2f" % pe["w"][shown_bank], ha="center",
                    va="center", fontsize=font, color="#666666")
            if moving:
                ax.text(x0 + 0.5, y0 + 0.52, "x%d %.2f" % (moving[1], moving[2]), ha="center",
                        va="center", fontsize=font, color=job_colour(moving[0]))
            partial = pe["p"]
            if partial:
                ax.text(x0 + 0.5, y0 + 0.2, "Σ%d,%d %.2f (%d)" % (c, partial[1], partial[2],
                                                               partial[3]),
                        ha="center", va="center", fontsize=font - 1, color="#c05a00")
        for s, value in enumerate(frame["skew"][r]):
            x0, y0 = s - r, -r - 1  # stage 0 takes the input; stage r - 1 feeds PE (r, 0)
            ax.add_patch(Rectangle((x0 + 0.1, y0 + 0.25), 0.8, 0.5, fill=False,
                                   edgecolor="#aaaaaa", linewidth=0.6))
            if value:
                ax.text(x0 + 0.5, y0 + 0.5, "x%d %.2f" % (value[1], value[2]), ha="center",
                        va="center", fontsize=font - 1, color=job_colour(value[0]))
    # PSUM: partition m (a row of cells), element n; green once written.
    top = -rows - 0.6
    for written in frame["written"]:
        column, job, n, value = written
        psum[(column, n)] = (job, value, cycle)
    cell = 0.5
    for m in range(m_max):
        for n in range(n_max):
            x0, y0 = n * cell, top - (m + 1) * cell
            got = psum.get((m, n))
            fresh = got is not None and got[2] == cycle
            ax.add_patch(Rectangle((x0, y0), cell, cell, fill=got is not None,
                                   facecolor="#3fbf5f" if fresh else "#bfe8c8",
                                   edgecolor="#888888", linewidth=0.5))
            if got is not None and n_max <= 16:
                ax.text(x0 + cell / 2, y0 + cell / 2, "%.2f" % got[1], ha="center", va="center",
                        fontsize=font - 2)
    ax.text(-rows - 0.1, top - cell * m_max / 2, "PSUM\npartition m (down)\nelement n (right)",
            ha="left", va="center", fontsize=7)
    legend = ("grey w: the PE's weight   blue xn: moving value of column n   "
              "orange Σm,n (t): partial sum of output (m, n) after t rows\n"
              "yellow frame: weights written at this edge   green: in PSUM "
              "(dark: arrived at this edge)")
    ax.text(-rows - 0.1, top - cell * m_max - 0.35, legend, ha="left", va="top", fontsize=6,
            color="#444444")
    title = "step %d: cycle %d (%.2f ns). %s" % (step, cycle, cycle / log["clock_ghz"],
                                                 describe(matmuls, cycle))
    ax.text(-rows - 0.1, 0.55, title, ha="left", va="center", fontsize=8)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv):
    if len(argv) != 3:
        fail("usage: python3 -m trnsim.pe_frames FRAMES.json OUT_DIR")
    try:
        with open(argv[1]) as f:
            log = json.load(f)
    except (OSError, ValueError) as e:
        fail("%s: %s" % (argv[1], e))
    out_dir = argv[2]
    paths = []
    psum = {}
    for step, frame in enumerate(log["frames"]):
        path = os.path.join(out_dir, "step_%03d.png" % step)
        draw(log, step, frame, psum, path)
        paths.append(path)
    if not paths:
        fail("the run made no Tensor Engine clock edges (no matmul)")
    from PIL import Image

    images = [Image.open(p).convert("P", palette=Image.ADAPTIVE) for p in paths]
    images[0].save(os.path.join(out_dir, "pe.gif"), save_all=True, append_images=images[1:],
                   duration=700, loop=0)


if __name__ == "__main__":
    main(sys.argv)
