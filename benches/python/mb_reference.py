#!/usr/bin/env python3
"""Reference runs for `cargo xtask bench mb`.

1. Graphical lasso: builds GLAD-recipe problems (Erdős–Rényi precision with U[-1, 1] weights,
   smallest eigenvalue 1, 5N samples), writes each empirical covariance to `<out>/glasso_N.npy`
   (a batch is stacked as `[B*N, N]`; scaled to unit diagonal), and times scikit-learn's `graphical_lasso` (mode 'cd',
   tol 1e-4, its default max_iter 100) on it, reporting its objective tr(S Θ) − log det Θ + α‖Θ‖₁ (off-diagonal).
2. Log model, dense: squared distances of random clustered points, scaled to a target degree,
   written as a half-vector to `<out>/log_z.npy` `[1, M]`; then the same FBF primal–dual
   iterations as gsl-mb (Kalofolias 2016, Alg. 1) in vectorised numpy, to the same tolerance.

Prints one JSON object on stdout. Exits with status 3 when numpy/scikit-learn are missing.
"""
import argparse
import json
import sys
import time
import warnings

try:
    import numpy as np
    import sklearn
    from sklearn.covariance import empirical_covariance, graphical_lasso
except ImportError as exc:  # pragma: no cover - depends on the machine
    print(f"numpy/scikit-learn not available ({exc})", file=sys.stderr)
    sys.exit(3)


def planted_covariance(rng, n, degree):
    p = degree / (n - 1)
    upper = np.triu((rng.random((n, n)) < p) * rng.uniform(-1.0, 1.0, (n, n)), 1)
    a = upper + upper.T
    theta = a + (1.0 - np.linalg.eigvalsh(a).min()) * np.eye(n)
    x = rng.multivariate_normal(np.zeros(n), np.linalg.inv(theta), size=5 * n)
    s = empirical_covariance(x)
    # Unit diagonal, so one α suits every size.
    d = np.sqrt(np.diag(s))
    return s / d[:, None] / d[None, :]


def glasso_objective(s, theta, alpha):
    _, logdet = np.linalg.slogdet(theta)
    off = np.abs(theta).sum() - np.abs(np.diag(theta)).sum()
    return float(np.sum(s * theta) - logdet + alpha * off)


def run_glasso(rng, n, batch, timed, alpha, out):
    covs = [planted_covariance(rng, n, 3.0) for _ in range(batch)]
    np.save(f"{out}/glasso_{n}_{batch}.npy", np.concatenate(covs, 0).astype(np.float32))
    objectives, converged, start = [], [], time.perf_counter()
    for s in covs[:timed]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _, theta = graphical_lasso(s, alpha=alpha, mode="cd", tol=1e-4, max_iter=100)
        converged.append(not any("did not converge" in str(w.message) for w in caught))
        objectives.append(glasso_objective(s, theta, alpha))
    seconds = time.perf_counter() - start
    return {"n": n, "batch": batch, "timed": timed, "seconds": seconds,
            "objectives": objectives, "converged": converged}


def fbf_log(z, n, alpha, beta, step, tol, max_iter):
    rows, cols = np.triu_indices(n, 1)

    def s_op(w):
        return np.bincount(rows, w, n) + np.bincount(cols, w, n)

    def s_adj(v):
        return v[rows] + v[cols]

    gamma = step / (2 * beta + np.sqrt(2 * (n - 1)))
    w = np.zeros_like(z)
    v = np.zeros(n, dtype=z.dtype)
    for it in range(1, max_iter + 1):
        y = w - gamma * (2 * beta * w + s_adj(v))
        yb = v + gamma * s_op(w)
        p = np.maximum(y - 2 * gamma * z, 0.0)
        pb = (yb - np.sqrt(yb * yb + 4 * alpha * gamma)) / 2
        q = p - gamma * (2 * beta * p + s_adj(pb))
        qb = pb + gamma * s_op(p)
        w_new, v_new = w - y + q, v - yb + qb
        dw = np.linalg.norm(w_new - w) / max(np.linalg.norm(w), np.linalg.norm(w_new), 1e-12)
        dv = np.linalg.norm(v_new - v) / max(np.linalg.norm(v), np.linalg.norm(v_new), 1e-12)
        w, v = w_new, v_new
        if max(dw, dv) < tol:
            break
    return w, it


def run_log(rng, n, tol, max_iter, out):
    centres = rng.normal(0, 3, (10, 10))
    x = centres[rng.integers(0, 10, n)] + rng.normal(0, 1, (n, 10))
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    rows, cols = np.triu_indices(n, 1)
    z = (d2[rows, cols] / np.median(d2[rows, cols])).astype(np.float32)
    np.save(f"{out}/log_z.npy", z[None, :])
    start = time.perf_counter()
    w, iterations = fbf_log(z, n, 1.0, 1.0, 0.5, tol, max_iter)
    seconds = time.perf_counter() - start
    return {"n": n, "iterations": iterations, "seconds": seconds, "edges": int((w > 1e-4 * w.max()).sum())}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--glasso-sizes", default="100,200,500")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--batch-timed", type=int, default=8)
    p.add_argument("--log-n", type=int, default=1000)
    p.add_argument("--tol", type=float, default=1e-5)
    p.add_argument("--max-iter", type=int, default=1000)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    out = {"numpy": np.__version__, "sklearn": sklearn.__version__, "glasso": []}
    for n in [int(s) for s in a.glasso_sizes.split(",") if s]:
        out["glasso"].append(run_glasso(rng, n, 1, 1, a.alpha, a.out))
    out["glasso_batch"] = run_glasso(rng, 100, a.batch, a.batch_timed, a.alpha, a.out)
    out["log"] = run_log(rng, a.log_n, a.tol, a.max_iter, a.out)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
