#!/usr/bin/env python3
"""Reference timings for `cargo xtask bench data`: the same data generation with networkx/numpy.

1. `--er-count` Erdős–Rényi graphs G(n, p) with networkx's O(n + m) sampler.
2. The L2G BA20 training set as L2G's `data_simulation.py` builds it, one graph at a time:
   BA(20, 3), lognormal(0, 0.1) weights symmetrised and scaled to sum W = N, covariance
   (L + 1e-4 I)^-1, `--signals` multivariate-normal samples, and the half-vector of the
   (1/P)-scaled squared distances between nodes. (L2G spreads graphs over a process pool; this
   script runs them serially.)

Prints one JSON object on stdout with the times and the peak resident memory of this process
(`VmHWM` from /proc/self/status, else `resource.getrusage`; KiB). Exits with status 3 when networkx, numpy or scipy
is missing.
"""
import argparse
import json
import resource
import sys
import time

try:
    import networkx as nx
    import numpy as np
    from scipy.spatial.distance import pdist
except ImportError as exc:  # pragma: no cover - depends on the machine
    print(f"networkx/numpy/scipy not available ({exc})", file=sys.stderr)
    sys.exit(3)


def er_graphs(count, n, p, seed):
    edges = 0
    for i in range(count):
        g = nx.fast_gnp_random_graph(n, p, seed=seed + i)
        edges += g.number_of_edges()
    return edges


def l2g_graph(rng, n, m, signals):
    g = nx.barabasi_albert_graph(n, m, seed=int(rng.integers(1 << 31)))
    w = nx.to_numpy_array(g)
    weights = rng.lognormal(0.0, 0.1, (n, n))
    w = w * (weights + weights.T) / 2.0
    w = w * n / w.sum()
    lap = np.diag(w.sum(axis=1)) - w
    cov = np.linalg.inv(lap + 1e-4 * np.eye(n))
    x = rng.multivariate_normal(np.zeros(n), cov, signals)
    z = pdist(x.T, "sqeuclidean") / signals
    return z, w


def vm_hwm_kib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--er-count", type=int, required=True)
    p.add_argument("--er-n", type=int, required=True)
    p.add_argument("--er-p", type=float, required=True)
    p.add_argument("--l2g-count", type=int, required=True)
    p.add_argument("--signals", type=int, required=True)
    a = p.parse_args()
    out = {"networkx": nx.__version__, "numpy": np.__version__}

    t = time.perf_counter()
    out["er_edges"] = er_graphs(a.er_count, a.er_n, a.er_p, 0)
    out["er_secs"] = time.perf_counter() - t

    rng = np.random.default_rng(0)
    t = time.perf_counter()
    zs = np.empty((a.l2g_count, 20 * 19 // 2))
    ws = []
    for i in range(a.l2g_count):
        zs[i], w = l2g_graph(rng, 20, 3, a.signals)
        ws.append(w)
    out["l2g_secs"] = time.perf_counter() - t
    out["l2g_z_mean"] = float(zs.mean())
    # VmHWM belongs to this process's own address space; ru_maxrss can carry the parent's high
    # water mark across fork/exec on Linux, so it is only the fallback.
    out["peak_rss_kib"] = vm_hwm_kib() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(out))


if __name__ == "__main__":
    main()
