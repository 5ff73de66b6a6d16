"""Lists of tiles (NKI 0.2+), tracing mode. 0.3 has no block dimensions: a kernel keeps tiles
that live together in a Python list, declaring one per iteration and reading them after the
loop (`tiles.append(nl.ndarray(...))`, then `tiles[k]`), which AWS's block-dimension migration
guide gives as the replacement of a tile array. The trace declares each execution of a
declaration in its loop, whose rotating buffers die when the loop ends; so before the trace is
written, a declaration some of whose tiles are used after a loop they were declared in ended
has its executions in that loop made the blocks of one tile array declared just before the
loop, block j for the j-th execution: the NKI 0.1 tile array `nl.ndarray((n, nl.par_dim(P),
F))` of the same kernel.
"""
from neuronxcc.nki import _trace

BUFS_GIVEN = set()  # ids of tiles whose declaration has a `# trnsim: bufs=N` comment


def _views(event):
    """(field, view) of an event's views (dst, src, psum, ...): trace version 2 writes a view as
    [tensor, [block...], p0, np, f0, nf(, partition_stride, free_dims)]."""
    return [(k, v) for k, v in event.items()
            if type(v) is list and len(v) >= 6 and type(v[1]) is list]


def gather(events):
    """The events, with each declaration whose tiles outlive a loop they were declared in made
    one tile array before the outermost such loop (see the module docstring)."""
    # 1. Where each tile was declared (the loop instances then open), and the outermost
    #    declaring loop it is used after.
    open_loops, count = [], 0
    declared, escapes, begin_at, depth_of = {}, {}, {}, {}
    for i, e in enumerate(events):
        kind = e["event"]
        if kind == "loop_begin":
            depth_of[count] = len(open_loops)
            open_loops.append(count)
            begin_at[count] = i
            count += 1
        elif kind == "loop_end":
            open_loops.pop()
        elif kind == "tile":
            declared[e["id"]] = (tuple(open_loops), i)
        else:
            for _, v in _views(e):
                if v[0] in declared:
                    ended = [L for L in declared[v[0]][0] if L not in open_loops]
                    if ended and (v[0] not in escapes or
                                  begin_at[ended[0]] < begin_at[escapes[v[0]]]):
                        escapes[v[0]] = ended[0]
    if not escapes:
        return events
    # 2. One array per (declaration site, loop): every execution of the declaration inside
    #    that loop, also one not used after it, a block each in the order of execution.
    wanted = {(events[declared[t][1]]["site"], loop) for t, loop in escapes.items()}
    groups = {}
    for tile_id, (loops, at) in sorted(declared.items(), key=lambda item: item[1][1]):
        for loop in loops:
            if (events[at]["site"], loop) in wanted:
                groups.setdefault((events[at]["site"], loop), []).append(tile_id)
                break
    remap, inserted, dropped = {}, {}, set()
    for (site, loop), ids in groups.items():
        first = dict(events[declared[ids[0]][1]])
        for tile_id in ids:
            e = events[declared[tile_id][1]]
            if (e["memory"], e["dtype"], e["partitions"], e["free"], e["block_dims"]) != \
                    (first["memory"], first["dtype"], first["partitions"], first["free"],
                     first["block_dims"]):
                raise _trace.TraceError(f"{site}: the tiles of this declaration kept after their "
                                        "loop differ in shape or dtype; not yet supported")
        if first["memory"] != "sbuf" or first["block_dims"]:
            raise _trace.TraceError(f"{site}: a list of {first['memory']} tiles kept after their "
                                    "loop is not yet supported (SBUF tiles only)")
        first["block_dims"] = [len(ids)]
        if ids[0] not in BUFS_GIVEN:  # else the comment's count stays
            first["bufs"] = 2 if depth_of[loop] else 1  # as the tracer's default there
        inserted.setdefault(begin_at[loop], []).append(first)
        for j, tile_id in enumerate(ids):
            remap[tile_id] = (ids[0], j)
            dropped.add(declared[tile_id][1])
    # 3. The events again: arrays declared before their loops, views into their blocks.
    out = []
    for i, e in enumerate(events):
        out.extend(inserted.get(i, []))
        if i in dropped:
            continue
        for field, v in _views(e):
            if v[0] in remap:  # a new list: the tracer shares a view's encoding between events
                tile_id, j = remap[v[0]]
                e[field] = [tile_id, [j] + list(v[1])] + v[2:]
        out.append(e)
    return out


def install():
    """Makes the recorder gather lists when it writes the trace (for kernels of `nki`)."""
    recorder = _trace.RECORDER
    if getattr(recorder, "gathers_lists", False):
        return
    write = recorder.write

    def gathering_write(*args, **kwargs):
        recorder.flush()
        recorder.events = gather(recorder.events)
        return write(*args, **kwargs)

    recorder.write, recorder.gathers_lists = gathering_write, True
