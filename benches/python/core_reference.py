#!/usr/bin/env python3
"""Reference timings for `cargo xtask bench core`: the same operations with numpy/scipy.

Prints one JSON object on stdout. Exits with status 3 and a message on stderr when numpy or
scipy is missing, so the caller can skip the comparison.
"""
import argparse
import json
import sys
import time

try:
    import numpy as np
    import scipy
    import scipy.sparse as sp
except ImportError as exc:  # pragma: no cover - depends on the machine
    print(f"numpy/scipy not available ({exc}); install with `pip install numpy scipy`", file=sys.stderr)
    sys.exit(3)


def median_secs(reps, fn):
    fn()
    times = []
    for _ in range(max(reps, 1)):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gemm", type=int, required=True)
    p.add_argument("--nodes", type=int, required=True)
    p.add_argument("--edges", type=int, required=True)
    p.add_argument("--features", type=int, required=True)
    p.add_argument("--knn-n", type=int, required=True)
    p.add_argument("--knn-d", type=int, required=True)
    p.add_argument("--knn-k", type=int, required=True)
    p.add_argument("--chunk", type=int, default=1024)
    p.add_argument("--reps", type=int, default=5)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    out = {"numpy": np.__version__, "scipy": scipy.__version__}

    n = a.gemm
    x = rng.standard_normal((n, n), dtype=np.float32)
    y = rng.standard_normal((n, n), dtype=np.float32)
    t = median_secs(a.reps, lambda: x @ y)
    out["sgemm_gflops"] = 2.0 * n**3 / t / 1e9

    src = rng.integers(0, a.nodes, a.edges)
    dst = rng.integers(0, a.nodes, a.edges)
    w = rng.random(a.edges, dtype=np.float32)
    adj = sp.csr_matrix((w, (src, dst)), shape=(a.nodes, a.nodes), dtype=np.float32)
    feats = rng.standard_normal((a.nodes, a.features), dtype=np.float32)
    t = median_secs(a.reps, lambda: adj @ feats)
    out["spmm_ms"] = t * 1e3
    out["spmm_nnz"] = int(adj.nnz)

    pts = rng.standard_normal((a.knn_n, a.knn_d), dtype=np.float32)
    sq = (pts * pts).sum(1)

    def distances():
        for start in range(0, a.knn_n, a.chunk):
            block = pts[start:start + a.chunk]
            d = sq[start:start + a.chunk, None] + sq[None, :] - 2.0 * (block @ pts.T)
            np.maximum(d, 0.0, out=d)

    def knn():
        idx = np.empty((a.knn_n, a.knn_k), dtype=np.int64)
        for start in range(0, a.knn_n, a.chunk):
            block = pts[start:start + a.chunk]
            d = sq[start:start + a.chunk, None] + sq[None, :] - 2.0 * (block @ pts.T)
            rows = np.arange(block.shape[0])
            d[rows, start + rows] = np.inf
            part = np.argpartition(d, a.knn_k, axis=1)[:, : a.knn_k]
            order = np.take_along_axis(d, part, 1).argsort(1)
            idx[start:start + a.chunk] = np.take_along_axis(part, order, 1)
        return idx

    reps = max(1, a.reps // 2)
    t = median_secs(reps, distances)
    out["knn_distance_ms"] = t * 1e3
    t = median_secs(reps, knn)
    out["knn_ms"] = t * 1e3
    print(json.dumps(out))


if __name__ == "__main__":
    main()
