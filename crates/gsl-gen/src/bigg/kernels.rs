//! SIMD kernels of the host sampler: matrix–vector products, dot products, `axpy` and the
//! ELU / sigmoid / tanh activations (through a vectorised `exp`).
//!
//! A sampling step is a chain of batch-of-one products whose weights (megabytes at d = 256)
//! stream from the last-level cache, so the kernels must keep the load units busy: they are
//! written once over `pulp::Simd` and compiled for each instruction set, and every call picks
//! the widest one the CPU has at run time (AVX-512 or AVX2 + FMA on x86-64, NEON on aarch64,
//! scalar otherwise). `pulp` does the `target_feature` dispatch, so no `unsafe` is needed here.
//!
//! [`matvec`] walks four output rows per pass so that each load of the input vector feeds four
//! fused multiply–adds. Sums are reordered against a plain loop (lanes, then a horizontal
//! reduction), which moves results by a few ulps only.

use pulp::{Simd, WithSimd};

/// Runs `op` with the best instruction set of this CPU.
#[inline]
fn dispatch<Op: WithSimd>(op: Op) -> Op::Output {
    #[cfg(target_arch = "x86_64")]
    {
        // `pulp::Arch` only tries the levels whose cargo features are on; the workspace builds
        // pulp with `x86-v4` (AVX-512) but not `x86-v3`, so AVX2 + FMA is tried here by hand.
        if let Some(simd) = pulp::x86::V4::try_new() {
            return Simd::vectorize(simd, op);
        }
        if let Some(simd) = pulp::x86::V3::try_new() {
            return Simd::vectorize(simd, op);
        }
    }
    pulp::Arch::new().dispatch(op)
}

/// `out[r] (+)= rows[r] · x` with `rows` row-major `[out.len()][x.len()]`.
struct MatVec<'a> {
    rows: &'a [f32],
    x: &'a [f32],
    out: &'a mut [f32],
    accumulate: bool,
}

impl WithSimd for MatVec<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Self {
            rows,
            x,
            out,
            accumulate,
        } = self;
        let n = x.len();
        let (xv, xt) = S::as_simd_f32s(x);
        let mut quads = out.chunks_exact_mut(4);
        let mut weights = rows.chunks_exact(4 * n);
        for (o, w) in (&mut quads).zip(&mut weights) {
            let (w0, rest) = w.split_at(n);
            let (w1, rest) = rest.split_at(n);
            let (w2, w3) = rest.split_at(n);
            let (v0, t0) = S::as_simd_f32s(w0);
            let (v1, t1) = S::as_simd_f32s(w1);
            let (v2, t2) = S::as_simd_f32s(w2);
            let (v3, t3) = S::as_simd_f32s(w3);
            let zero = simd.splat_f32s(0.0);
            let (mut a0, mut a1, mut a2, mut a3) = (zero, zero, zero, zero);
            for (k, &xk) in xv.iter().enumerate() {
                a0 = simd.mul_add_e_f32s(v0[k], xk, a0);
                a1 = simd.mul_add_e_f32s(v1[k], xk, a1);
                a2 = simd.mul_add_e_f32s(v2[k], xk, a2);
                a3 = simd.mul_add_e_f32s(v3[k], xk, a3);
            }
            // No closures here: they would be compiled without the SIMD target features.
            store(
                &mut o[0],
                simd.reduce_sum_f32s(a0) + scalar_dot(t0, xt),
                accumulate,
            );
            store(
                &mut o[1],
                simd.reduce_sum_f32s(a1) + scalar_dot(t1, xt),
                accumulate,
            );
            store(
                &mut o[2],
                simd.reduce_sum_f32s(a2) + scalar_dot(t2, xt),
                accumulate,
            );
            store(
                &mut o[3],
                simd.reduce_sum_f32s(a3) + scalar_dot(t3, xt),
                accumulate,
            );
        }
        for (o, w) in quads
            .into_remainder()
            .iter_mut()
            .zip(weights.remainder().chunks_exact(n))
        {
            let (v, t) = S::as_simd_f32s(w);
            let mut a = simd.splat_f32s(0.0);
            for (&w, &xk) in v.iter().zip(xv) {
                a = simd.mul_add_e_f32s(w, xk, a);
            }
            store(o, simd.reduce_sum_f32s(a) + scalar_dot(t, xt), accumulate);
        }
    }
}

/// `a · b` over the common length.
struct Dot<'a> {
    a: &'a [f32],
    b: &'a [f32],
}

impl WithSimd for Dot<'_> {
    type Output = f32;

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> f32 {
        let n = self.a.len().min(self.b.len());
        let (av, at) = S::as_simd_f32s(&self.a[..n]);
        let (bv, bt) = S::as_simd_f32s(&self.b[..n]);
        // Two accumulators hide the latency of the fused multiply–add.
        let zero = simd.splat_f32s(0.0);
        let (mut even, mut odd) = (zero, zero);
        let mut pairs_a = av.chunks_exact(2);
        let mut pairs_b = bv.chunks_exact(2);
        for (a, b) in (&mut pairs_a).zip(&mut pairs_b) {
            even = simd.mul_add_e_f32s(a[0], b[0], even);
            odd = simd.mul_add_e_f32s(a[1], b[1], odd);
        }
        for (&a, &b) in pairs_a.remainder().iter().zip(pairs_b.remainder()) {
            even = simd.mul_add_e_f32s(a, b, even);
        }
        simd.reduce_sum_f32s(simd.add_f32s(even, odd)) + scalar_dot(at, bt)
    }
}

/// `y += alpha · x` over the common length.
struct Axpy<'a> {
    y: &'a mut [f32],
    alpha: f32,
    x: &'a [f32],
}

impl WithSimd for Axpy<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let n = self.y.len().min(self.x.len());
        let (yv, yt) = S::as_mut_simd_f32s(&mut self.y[..n]);
        let (xv, xt) = S::as_simd_f32s(&self.x[..n]);
        let alpha = simd.splat_f32s(self.alpha);
        for (y, &x) in yv.iter_mut().zip(xv) {
            *y = simd.mul_add_e_f32s(alpha, x, *y);
        }
        for (y, x) in yt.iter_mut().zip(xt) {
            *y += self.alpha * x;
        }
    }
}

/// `ln 2` split for an exact `n·ln 2` (Cody–Waite; the constants of Cephes' `expf`).
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// `1.5 · 2²³`: adding it rounds to an integer held in the low mantissa bits.
const ROUND_MAGIC: f32 = 12_582_912.0;
/// The bits of [`ROUND_MAGIC`] less the exponent bias: `bits(t + magic) − this = n + 127`.
const MAGIC_BITS_LESS_BIAS: u32 = 0x4B40_0000 - 127;

/// `eˣ` lane-wise, as Cephes' `expf`: `x = n·ln 2 + r`, `|r| ≤ ln 2 / 2`, a degree-7 polynomial
/// for `eʳ` and `2ⁿ` built in the exponent bits. Inputs are clamped to `[−87, 88]` (normal
/// results); relative error ≈ 1e-7 (tested).
#[inline(always)]
fn exp_lanes<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let x = simd.min_f32s(
        simd.max_f32s(x, simd.splat_f32s(-87.0)),
        simd.splat_f32s(88.0),
    );
    let magic = simd.splat_f32s(ROUND_MAGIC);
    let shifted = simd.mul_add_e_f32s(x, simd.splat_f32s(std::f32::consts::LOG2_E), magic);
    let n = simd.sub_f32s(shifted, magic);
    let r = simd.mul_add_e_f32s(n, simd.splat_f32s(-LN2_HI), x);
    let r = simd.mul_add_e_f32s(n, simd.splat_f32s(-LN2_LO), r);
    let mut p = simd.splat_f32s(1.987_569_2e-4);
    for c in [
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        0.166_666_65,
        0.5,
    ] {
        p = simd.mul_add_e_f32s(p, r, simd.splat_f32s(c));
    }
    let r2 = simd.mul_f32s(r, r);
    let y = simd.mul_add_e_f32s(p, r2, simd.add_f32s(r, simd.splat_f32s(1.0)));
    let biased = simd.sub_u32s(
        simd.transmute_u32s_f32s(shifted),
        simd.splat_u32s(MAGIC_BITS_LESS_BIAS),
    );
    let scale = simd.mul_u32s(biased, simd.splat_u32s(1 << 23));
    simd.mul_f32s(y, simd.transmute_f32s_u32s(scale))
}

/// The activations the host sampler applies in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Activation {
    /// `x` for `x > 0`, else `eˣ − 1`.
    Elu,
    /// `1 / (1 + e⁻ˣ)`.
    Sigmoid,
    /// `1 − 2 / (e²ˣ + 1)`.
    Tanh,
}

impl Activation {
    #[inline(always)]
    fn lanes<S: Simd>(self, simd: S, x: S::f32s) -> S::f32s {
        let one = simd.splat_f32s(1.0);
        match self {
            Activation::Elu => {
                let negative = simd.sub_f32s(exp_lanes(simd, x), one);
                simd.select_f32s(simd.greater_than_f32s(x, simd.splat_f32s(0.0)), x, negative)
            }
            Activation::Sigmoid => {
                let e = exp_lanes(simd, simd.mul_f32s(x, simd.splat_f32s(-1.0)));
                simd.div_f32s(one, simd.add_f32s(one, e))
            }
            Activation::Tanh => {
                let e = exp_lanes(simd, simd.add_f32s(x, x));
                let two = simd.splat_f32s(2.0);
                simd.sub_f32s(one, simd.div_f32s(two, simd.add_f32s(e, one)))
            }
        }
    }
}

/// An activation over a slice, in place.
struct Activate<'a> {
    x: &'a mut [f32],
    activation: Activation,
}

impl WithSimd for Activate<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let (body, tail) = S::as_mut_simd_f32s(self.x);
        for v in body {
            *v = self.activation.lanes(simd, *v);
        }
        // The tail goes through the same formula, padded to a register.
        if !tail.is_empty() {
            let v = self.activation.lanes(simd, simd.partial_load_f32s(tail));
            simd.partial_store_f32s(tail, v);
        }
    }
}

/// Writes or adds `v` into `o`.
#[inline(always)]
fn store(o: &mut f32, v: f32, accumulate: bool) {
    if accumulate {
        *o += v;
    } else {
        *o = v;
    }
}

/// The plain loop for the tails that do not fill a register.
#[inline(always)]
fn scalar_dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

/// `out[r] = rows[r] · x` for the row-major matrix `rows` `[out.len()][x.len()]`.
///
/// # Panics
/// If `rows.len() != out.len() · x.len()` (an internal layout bug, never a user input).
pub(super) fn matvec(rows: &[f32], x: &[f32], out: &mut [f32]) {
    matvec_into(rows, x, out, false);
}

/// `out[r] += rows[r] · x` for the row-major matrix `rows` `[out.len()][x.len()]`.
///
/// # Panics
/// As [`matvec`].
pub(super) fn matvec_add(rows: &[f32], x: &[f32], out: &mut [f32]) {
    matvec_into(rows, x, out, true);
}

/// [`matvec`] (`accumulate = false`) or [`matvec_add`].
fn matvec_into(rows: &[f32], x: &[f32], out: &mut [f32], accumulate: bool) {
    assert_eq!(rows.len(), out.len() * x.len(), "matvec: layout mismatch");
    if x.is_empty() {
        if !accumulate {
            out.fill(0.0);
        }
        return;
    }
    dispatch(MatVec {
        rows,
        x,
        out,
        accumulate,
    });
}

/// `a · b` over the common length.
pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
    dispatch(Dot { a, b })
}

/// `y += alpha · x` over the common length.
pub(super) fn axpy(y: &mut [f32], alpha: f32, x: &[f32]) {
    dispatch(Axpy { y, alpha, x });
}

/// Applies `activation` to every entry of `x`.
pub(super) fn activate(x: &mut [f32], activation: Activation) {
    dispatch(Activate { x, activation });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(n: usize, phase: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * 0.37 + phase).sin()).collect()
    }

    fn naive_dot(a: &[f32], b: &[f32]) -> f64 {
        a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum()
    }

    /// Lengths below, at and around every register width (4, 8, 16 lanes) and a d = 256 row.
    const LENGTHS: [usize; 12] = [1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 37, 256];

    #[test]
    fn dot_matches_a_plain_loop_on_every_tail() {
        for n in LENGTHS {
            let (a, b) = (vector(n, 0.1), vector(n + 3, 1.3));
            let got = dot(&a, &b) as f64;
            let want = naive_dot(&a, &b[..n]);
            assert!(
                (got - want).abs() < 1e-5 * (1.0 + want.abs()),
                "n {n}: {got} vs {want}"
            );
        }
        assert_eq!(dot(&[], &[1.0]), 0.0);
    }

    #[test]
    fn matvec_matches_a_plain_loop_on_every_tail() {
        // Row counts that leave 0–3 rows after the blocks of four.
        for n in LENGTHS {
            for r in [1, 2, 3, 4, 5, 6, 7, 9] {
                let rows = vector(r * n, 0.7);
                let x = vector(n, 2.1);
                let want: Vec<f64> = rows.chunks_exact(n).map(|w| naive_dot(w, &x)).collect();
                let mut out = vec![f32::NAN; r];
                matvec(&rows, &x, &mut out);
                let mut acc: Vec<f32> = (0..r).map(|i| i as f32).collect();
                matvec_add(&rows, &x, &mut acc);
                for i in 0..r {
                    let tol = 1e-5 * (1.0 + want[i].abs());
                    assert!((out[i] as f64 - want[i]).abs() < tol, "n {n} r {r} row {i}");
                    assert!((acc[i] as f64 - i as f64 - want[i]).abs() < tol);
                }
            }
        }
        let mut out = [3.0];
        matvec(&[], &[], &mut out);
        assert_eq!(out, [0.0]);
    }

    #[test]
    #[should_panic(expected = "layout mismatch")]
    fn matvec_refuses_a_wrong_layout() {
        matvec(&[1.0; 5], &[1.0; 2], &mut [0.0; 2]);
    }

    #[test]
    fn activations_match_libm() {
        // A grid over the range the cells see, both clamps, and every tail length.
        let mut grid: Vec<f32> = (-4000..=4000).map(|i| i as f32 * 0.005).collect();
        grid.extend([
            -200.0, -90.0, -87.5, -30.0, -1e-6, 0.0, 1e-6, 30.0, 44.5, 90.0, 200.0,
        ]);
        for len in [grid.len(), 1, 5, 17, 33] {
            let x = &grid[grid.len() - len..];
            for activation in [Activation::Elu, Activation::Sigmoid, Activation::Tanh] {
                let mut y = x.to_vec();
                activate(&mut y, activation);
                for (&x, &y) in x.iter().zip(&y) {
                    let x64 = x as f64;
                    let want = match activation {
                        Activation::Elu if x > 0.0 => x64,
                        Activation::Elu => x64.exp_m1(),
                        Activation::Sigmoid => 1.0 / (1.0 + (-x64).exp()),
                        Activation::Tanh => x64.tanh(),
                    };
                    let err = (y as f64 - want).abs();
                    assert!(
                        err <= 3e-7 * want.abs().max(1.0),
                        "{activation:?}({x}) = {y}, want {want}"
                    );
                }
            }
        }
        // The exponential itself, relative error over its unclamped range [−87, 88].
        let mut e: Vec<f32> = (-870..880).map(|i| i as f32 * 0.1 + 0.013).collect();
        let want: Vec<f64> = e.iter().map(|&x| (x as f64).exp()).collect();
        struct Exp<'a>(&'a mut [f32]);
        impl WithSimd for Exp<'_> {
            type Output = ();
            #[inline(always)]
            fn with_simd<S: Simd>(self, simd: S) {
                let (body, tail) = S::as_mut_simd_f32s(self.0);
                for v in body {
                    *v = exp_lanes(simd, *v);
                }
                let v = exp_lanes(simd, simd.partial_load_f32s(tail));
                simd.partial_store_f32s(tail, v);
            }
        }
        dispatch(Exp(&mut e));
        for (got, want) in e.iter().zip(&want) {
            assert!(
                ((*got as f64 - want) / want).abs() < 3e-7,
                "{got} vs {want}"
            );
        }
    }

    #[test]
    fn axpy_matches_a_plain_loop_on_every_tail() {
        for n in LENGTHS {
            let x = vector(n, 0.4);
            let mut y = vector(n, 0.9);
            let want: Vec<f32> = y.iter().zip(&x).map(|(y, x)| y - 1.5 * x).collect();
            axpy(&mut y, -1.5, &x);
            for (a, b) in y.iter().zip(&want) {
                assert!((a - b).abs() < 1e-6, "n {n}");
            }
        }
    }
}
