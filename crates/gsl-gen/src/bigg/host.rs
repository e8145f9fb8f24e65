//! The BiGG sampler on host arrays, for plain Flex.
//!
//! Sampling is sequential: every decision depends on the previous one, so one step is a chain
//! of batch-of-one products (a matrix–vector product per cell). Through Burn each of those is
//! a tensor op that allocates, dispatches and reads its weight; at d = 256 a row costs tens of
//! milliseconds. [`HostBigg`] copies the weights of a [`BiggNet`] once into host `f32` arrays
//! laid out for matrix–vector products (one contiguous row per output; the first Tree-LSTM
//! layer split into one contiguous block per child), keeps every state in reused buffers and
//! runs the *same* sampler: the same recursion ([`BiggNet::sample_graph_with`]), the same
//! decision function and RNG draws, so a seed gives the same graph on both paths (up to
//! summation-order rounding of the logits, ~1e-6).
//!
//! The products and activations run in the SIMD kernels of `bigg::kernels` (AVX-512 or
//! AVX2 + FMA picked at run time through `pulp`, four output rows per pass; `exp` for ELU,
//! sigmoid and tanh as a vectorised Cephes polynomial, ≈ 1e-7 relative error). At d = 256 a
//! step streams megabytes of weights per cell from the last-level cache, so the sampler is
//! bound by that bandwidth, not by arithmetic: one row of a 1,000-node tree reads ≈ 184 MB.
//!
//! Three exact algebraic shortcuts cut the weight traffic of the first Tree-LSTM layer
//! `W [2d, 20d]`, whose input is `[left.h, right.h]`:
//! - an input that is the empty or leaf state uses its precomputed product;
//! - a bit feature (BiGG's `BitsRepNet`: `−1` on the first `n_cols` entries, `+1` on the edges)
//!   is `−P[n_cols] + 2 Σ_{edges} W[p]`, with `P` the prefix sums of the rows of `W`;
//! - a row-history block enters the `summary_cell` fold of every later row on the right, so its
//!   product is computed once when the block is created.

use std::ops::ControlFlow;

use burn::nn::Linear;
use gsl_core::nn::Mlp;
use gsl_core::tensor::to_vec_f32;
use gsl_core::{GslError, Result};
use rand::Rng;

use super::cells::{BinaryTreeLstm, LstmCell, PosEncoding};
use super::kernels::{Activation, activate, axpy, dot, matvec, matvec_add};
use super::net::{BiggNet, check_sampling_args, draw};
use super::tree::{ColumnRange, OrderedGraph, fenwick_push};

/// The LSTM output `h = o ⊙ tanh(c)`, with `o` already through its sigmoid.
fn output_gate(h: &mut [f32], c: &[f32], o: &[f32]) {
    h.copy_from_slice(c);
    activate(h, Activation::Tanh);
    for (h, o) in h.iter_mut().zip(o) {
        *h *= o;
    }
}

/// Copies a Burn tensor to the host, refusing non-finite values.
fn host<const D: usize>(t: burn::tensor::Tensor<D>, what: &str) -> Result<Vec<f32>> {
    let v = to_vec_f32(t);
    if v.iter().any(|x| !x.is_finite()) {
        return Err(GslError::NonFinite(format!("BiGG weight {what}")));
    }
    Ok(v)
}

/// `[rows, cols]` row-major → `[cols, rows]` row-major.
fn transpose(v: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; v.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = v[r * cols + c];
        }
    }
    out
}

/// A Burn `Linear` (`y = x W + b`, `W [in, out]`) as output-major rows `[out][in]` and a bias.
struct HostLinear {
    rows: Vec<f32>,
    bias: Vec<f32>,
    d_in: usize,
}

impl HostLinear {
    fn new(linear: &Linear, what: &str) -> Result<Self> {
        let [d_in, d_out] = linear.weight.dims();
        let w = host(linear.weight.val(), what)?;
        let bias = match &linear.bias {
            Some(b) => host(b.val(), what)?,
            None => vec![0.0; d_out],
        };
        Ok(Self {
            rows: transpose(&w, d_in, d_out),
            bias,
            d_in,
        })
    }

    /// `out = W x + b` for `x` of width `d_in`.
    fn forward(&self, x: &[f32], out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        matvec_add(&self.rows, &x[..self.d_in], out);
    }
}

/// A predictor `MLP(d, [2d, 1])` with ELU.
struct HostMlp {
    first: HostLinear,
    last: Vec<f32>,
    last_bias: f32,
}

impl HostMlp {
    fn new(mlp: &Mlp, what: &str) -> Result<Self> {
        if mlp.layers.len() != 2 || mlp.d_output() != 1 || mlp.activate_output {
            return Err(GslError::invalid(
                "net",
                format!("{what}: expected a two-layer MLP with one output"),
            ));
        }
        let last = HostLinear::new(&mlp.layers[1], what)?;
        Ok(Self {
            first: HostLinear::new(&mlp.layers[0], what)?,
            last: last.rows,
            last_bias: last.bias[0],
        })
    }

    /// The logit for `x`; `hidden` is scratch of width `2d`.
    fn logit(&self, x: &[f32], hidden: &mut [f32]) -> f32 {
        self.first.forward(x, hidden);
        activate(hidden, Activation::Elu);
        self.last_bias + dot(&self.last, hidden)
    }
}

/// PyTorch's `LSTMCell` hidden part; the input part comes precomputed from a two-row table.
struct HostLstm {
    hidden: HostLinear,
    /// `W_ih e + b_ih` of the two embedding rows, `[2][4d]`.
    input_terms: Vec<f32>,
}

impl HostLstm {
    fn new(cell: &LstmCell, embed: burn::tensor::Tensor<2>, what: &str) -> Result<Self> {
        Ok(Self {
            hidden: HostLinear::new(&cell.hidden, what)?,
            input_terms: host(cell.input_term(embed), what)?,
        })
    }

    /// One step with embedding row `which` on `state = [h; c]`, in place; `gates` is `4d`.
    fn step(&self, which: bool, state: &mut [f32], gates: &mut [f32]) {
        let d = state.len() / 2;
        let input = &self.input_terms[which as usize * 4 * d..][..4 * d];
        let (h, c) = state.split_at_mut(d);
        self.hidden.forward(h, gates);
        axpy(gates, 1.0, input);
        // Gates i, f, g, o: sigmoid, sigmoid, tanh, sigmoid.
        activate(&mut gates[..2 * d], Activation::Sigmoid);
        activate(&mut gates[2 * d..3 * d], Activation::Tanh);
        activate(&mut gates[3 * d..], Activation::Sigmoid);
        for k in 0..d {
            c[k] = gates[d + k] * c[k] + gates[k] * gates[2 * d + k];
        }
        output_gate(h, c, &gates[3 * d..]);
    }
}

/// A child of a Tree-LSTM call, as the first layer sees it.
enum Input<'a> {
    /// A dense state `[h; c]`.
    Dense(&'a [f32]),
    /// A fixed state: 0 = empty, 1 = leaf.
    Fixed(usize),
    /// A bit feature over `n_cols` columns with `+1` at `positions`.
    Bits {
        n_cols: usize,
        positions: &'a [usize],
    },
    /// A dense state whose first-layer product (right half) is already known.
    Projected {
        state: &'a [f32],
        product: &'a [f32],
    },
}

/// BiGG's binary Tree-LSTM on host arrays.
struct HostTreeLstm {
    d: usize,
    /// First layer split by input half (left, right child), each as output rows `[20d][d]`:
    /// a product with one child reads one contiguous block.
    halves: [Vec<f32>; 2],
    /// First-layer bias `[20d]`.
    first_bias: Vec<f32>,
    /// First layer as input rows `[2d][20d]` (bit features pick rows).
    input_rows: Vec<f32>,
    /// Prefix sums of the input rows of each half, `[n_cols + 1][20d]` for `n_cols ≤ bits`.
    prefix: [Vec<f32>; 2],
    /// Products of the fixed empty / leaf states with each half, `[half][which][20d]`.
    fixed: [[Vec<f32>; 2]; 2],
    /// Second layers as output rows `[5][d][4d]` and biases `[5][d]`.
    second: Vec<f32>,
    second_bias: Vec<f32>,
}

/// Scratch of a Tree-LSTM call.
struct TreeScratch {
    hidden: Vec<f32>,
    gates: Vec<f32>,
    bits: [Vec<f32>; 2],
}

impl HostTreeLstm {
    fn new(
        cell: &BinaryTreeLstm,
        fixed_states: &[Vec<f32>; 2],
        bits: usize,
        what: &str,
    ) -> Result<Self> {
        let first = HostLinear::new(&cell.hidden, what)?;
        let d = first.d_in / 2;
        let width = 20 * d;
        let input_rows = transpose(&first.rows, width, 2 * d);
        let halves = [0, 1].map(|half| {
            first
                .rows
                .chunks_exact(2 * d)
                .flat_map(|row| &row[half * d..][..d])
                .copied()
                .collect::<Vec<f32>>()
        });
        let prefix = [0, 1].map(|half| {
            let mut p = vec![0.0f32; if bits > 0 { (bits + 1) * width } else { 0 }];
            let mut acc = vec![0.0f64; width];
            for n in 1..=bits {
                let row = &input_rows[(half * d + n - 1) * width..][..width];
                for (a, r) in acc.iter_mut().zip(row) {
                    *a += *r as f64;
                }
                for (o, a) in p[n * width..][..width].iter_mut().zip(&acc) {
                    *o = *a as f32;
                }
            }
            p
        });
        let fixed = [0, 1].map(|half| {
            [0, 1].map(|which| {
                let mut out = vec![0.0f32; width];
                matvec(&halves[half], &fixed_states[which][..d], &mut out);
                out
            })
        });
        let w2 = host(cell.out_weight.val(), what)?; // [5, 4d, d]
        let mut second = Vec::with_capacity(w2.len());
        for g in 0..5 {
            second.extend(transpose(&w2[g * 4 * d * d..][..4 * d * d], 4 * d, d));
        }
        Ok(Self {
            d,
            halves,
            first_bias: first.bias,
            input_rows,
            prefix,
            fixed,
            second,
            second_bias: host(cell.out_bias.val(), what)?,
        })
    }

    fn scratch(d: usize) -> TreeScratch {
        TreeScratch {
            hidden: vec![0.0; 20 * d],
            gates: vec![0.0; 5 * d],
            bits: [vec![0.0; d], vec![0.0; d]],
        }
    }

    /// The first-layer product of one dense `h` with the right half (cached for history blocks).
    fn right_product(&self, h: &[f32], out: &mut [f32]) {
        matvec(&self.halves[1], &h[..self.d], out);
    }

    /// Merges `left` and `right` into `out = [h; c]`; `fixed` holds the empty / leaf states.
    fn forward(
        &self,
        left: &Input<'_>,
        right: &Input<'_>,
        fixed: &[Vec<f32>; 2],
        scratch: &mut TreeScratch,
        out: &mut [f32],
    ) {
        let d = self.d;
        let width = 20 * d;
        let (lh, rh) = (dense_h(left, d), dense_h(right, d));
        let hidden = &mut scratch.hidden;
        hidden.copy_from_slice(&self.first_bias);
        for (half, h) in [lh, rh].into_iter().enumerate() {
            if let Some(h) = h {
                matvec_add(&self.halves[half], h, hidden);
            }
        }
        for (half, x) in [left, right].into_iter().enumerate() {
            match *x {
                Input::Dense(_) => {}
                Input::Fixed(which) => axpy(hidden, 1.0, &self.fixed[half][which]),
                Input::Projected { product, .. } => axpy(hidden, 1.0, product),
                Input::Bits { n_cols, positions } => {
                    axpy(hidden, -1.0, &self.prefix[half][n_cols * width..][..width]);
                    for &p in positions {
                        axpy(
                            hidden,
                            2.0,
                            &self.input_rows[(half * d + p) * width..][..width],
                        );
                    }
                }
            }
        }
        activate(hidden, Activation::Elu);
        let gates = &mut scratch.gates;
        gates.copy_from_slice(&self.second_bias);
        for ((out, x), rows) in gates
            .chunks_exact_mut(d)
            .zip(hidden.chunks_exact(4 * d))
            .zip(self.second.chunks_exact(4 * d * d))
        {
            matvec_add(rows, x, out);
        }
        // The children's cell states (a bit feature has c = h).
        let [bits_l, bits_r] = &mut scratch.bits;
        let lc = child_cell(left, fixed, d, bits_l);
        let rc = child_cell(right, fixed, d, bits_r);
        // Gates i, o (sigmoid), u, f_left, f_right (tanh: BiGG's `act_last='tanh'`).
        activate(&mut gates[..2 * d], Activation::Sigmoid);
        activate(&mut gates[2 * d..], Activation::Tanh);
        let (h, c) = out.split_at_mut(d);
        for k in 0..d {
            let (i, u, fl, fr) = (
                gates[k],
                gates[2 * d + k],
                gates[3 * d + k],
                gates[4 * d + k],
            );
            c[k] = i * u + fl * lc[k] + fr * rc[k];
        }
        output_gate(h, c, &gates[d..2 * d]);
    }
}

/// The `h` of a dense child, if it is one.
fn dense_h<'a>(x: &Input<'a>, d: usize) -> Option<&'a [f32]> {
    match *x {
        Input::Dense(s) => Some(&s[..d]),
        _ => None,
    }
}

/// The cell state `c` of a Tree-LSTM child (a bit feature has `c = h`, written into `buf`).
fn child_cell<'a>(
    x: &Input<'a>,
    fixed: &'a [Vec<f32>; 2],
    d: usize,
    buf: &'a mut [f32],
) -> &'a [f32] {
    match *x {
        Input::Dense(s) => &s[d..2 * d],
        Input::Projected { state, .. } => &state[d..2 * d],
        Input::Fixed(which) => &fixed[which][d..2 * d],
        Input::Bits { n_cols, positions } => {
            buf[..n_cols].fill(-1.0);
            buf[n_cols..].fill(0.0);
            for &p in positions {
                buf[p] = 1.0;
            }
            buf
        }
    }
}

/// The bottom-up summary of a subtree during sampling.
enum Summary {
    /// The empty (0) or leaf (1) state.
    Fixed(usize),
    /// A bit feature over `[hi − n_cols, hi)`; its edges are `count` columns of the current row
    /// starting at index `start`.
    Bits {
        n_cols: usize,
        hi: usize,
        start: usize,
        count: usize,
    },
    /// A Tree-LSTM state `[h; c]` (a pooled buffer).
    Dense(Vec<f32>),
}

/// A row-history block: its state and, once used on the right of `summary_cell`, its
/// first-layer product.
struct Block {
    state: Vec<f32>,
    product: Option<Vec<f32>>,
}

/// Reused buffers of one sampling run: nothing is allocated per step once the pools are warm.
struct Work {
    /// Free state buffers of width `2d`.
    states: Vec<Vec<f32>>,
    /// Free product buffers of width `20d`.
    products: Vec<Vec<f32>>,
    tree: TreeScratch,
    gates: Vec<f32>,
    mlp_hidden: Vec<f32>,
    positions: [Vec<usize>; 2],
    /// Columns generated so far in the current row.
    cols: Vec<usize>,
    /// Probabilities of the decisions, when recorded.
    trace: Option<Vec<f64>>,
    d: usize,
}

impl Work {
    fn new(d: usize, trace: bool) -> Self {
        Self {
            states: Vec::new(),
            products: Vec::new(),
            tree: HostTreeLstm::scratch(d),
            gates: vec![0.0; 4 * d],
            mlp_hidden: vec![0.0; 2 * d],
            positions: [Vec::new(), Vec::new()],
            cols: Vec::new(),
            trace: trace.then(Vec::new),
            d,
        }
    }

    fn take(&mut self) -> Vec<f32> {
        self.states.pop().unwrap_or_else(|| vec![0.0; 2 * self.d])
    }

    fn copy(&mut self, from: &[f32]) -> Vec<f32> {
        let mut v = self.take();
        v.copy_from_slice(from);
        v
    }

    fn give(&mut self, v: Vec<f32>) {
        self.states.push(v);
    }

    fn release(&mut self, s: Summary) {
        if let Summary::Dense(v) = s {
            self.give(v);
        }
    }
}

/// The Tree-LSTM input of a summary; a bit feature's positions are written into `buf`.
fn input<'a>(s: &'a Summary, cols: &[usize], buf: &'a mut Vec<usize>) -> Input<'a> {
    match s {
        Summary::Fixed(k) => Input::Fixed(*k),
        Summary::Dense(v) => Input::Dense(v),
        &Summary::Bits {
            n_cols,
            hi,
            start,
            count,
        } => {
            buf.clear();
            buf.extend(cols[start..start + count].iter().map(|&c| hi - 1 - c));
            Input::Bits {
                n_cols,
                positions: buf,
            }
        }
    }
}

/// A trained [`BiggNet`] copied to host arrays, with the sequential sampler of
/// [`BiggNet::sample_graph_with`] running on them (see the module doc).
///
/// Build it once per model ([`HostBigg::from_net`], a copy of the weights plus O(bits · d²)
/// prefix sums) and sample any number of graphs from it; it is `Sync`, so graphs can be sampled
/// in parallel.
pub struct HostBigg {
    d: usize,
    bits_compress: usize,
    pos: Option<PosEncoding>,
    /// Initial controller state `[h; c]`.
    init: Vec<f32>,
    /// Empty and leaf states `[h; c]`.
    fixed: [Vec<f32>; 2],
    topdown: HostLstm,
    topright: HostLstm,
    merge: HostTreeLstm,
    summary: HostTreeLstm,
    lr2p: HostTreeLstm,
    l2r: HostTreeLstm,
    has_ch: HostMlp,
    has_left: HostMlp,
    has_right: HostMlp,
}

impl std::fmt::Debug for HostBigg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostBigg")
            .field("embed_dim", &self.d)
            .field("bits_compress", &self.bits_compress)
            .finish_non_exhaustive()
    }
}

impl HostBigg {
    /// Copies the weights of `net` (on any device) to the host.
    ///
    /// Errors: a non-finite weight, or a predictor that is not BiGG's `MLP(d, [2d, 1])`.
    pub fn from_net(net: &BiggNet) -> Result<Self> {
        let d = net.embed_dim;
        let device = net.device();
        let base = net.base_table(&device);
        let (h, c) = (host(base.h, "base states")?, host(base.c, "base states")?);
        let fixed = [0, 1].map(|k| {
            let mut v = h[k * d..][..d].to_vec();
            v.extend_from_slice(&c[k * d..][..d]);
            v
        });
        let mut init = host(net.init_h0.val(), "init_h0")?;
        init.extend(host(net.init_c0.val(), "init_c0")?);
        let bits = net.bits_compress;
        Ok(Self {
            d,
            bits_compress: bits,
            pos: net.pos.clone(),
            init,
            topdown: HostLstm::new(
                &net.cell_topdown,
                net.topdown_left_embed.val(),
                "cell_topdown",
            )?,
            topright: HostLstm::new(
                &net.cell_topright,
                net.topdown_right_embed.val(),
                "cell_topright",
            )?,
            merge: HostTreeLstm::new(&net.merge_cell, &fixed, bits, "merge_cell")?,
            summary: HostTreeLstm::new(&net.summary_cell, &fixed, bits, "summary_cell")?,
            lr2p: HostTreeLstm::new(&net.lr2p_cell, &fixed, bits, "lr2p_cell")?,
            l2r: HostTreeLstm::new(&net.l2r_cell, &fixed, bits, "l2r_cell")?,
            has_ch: HostMlp::new(&net.pred_has_ch, "pred_has_ch")?,
            has_left: HostMlp::new(&net.pred_has_left, "pred_has_left")?,
            has_right: HostMlp::new(&net.pred_has_right, "pred_has_right")?,
            fixed,
        })
    }

    /// Width of the states.
    pub fn embed_dim(&self) -> usize {
        self.d
    }

    /// Samples a graph with `num_nodes` nodes: [`BiggNet::sample_graph`] on the host.
    ///
    /// Errors: `num_nodes = 0`, `greedy_frac` outside `[0, 1]`, a non-finite logit.
    pub fn sample_graph<R: Rng>(
        &self,
        num_nodes: usize,
        greedy_frac: f64,
        rng: &mut R,
    ) -> Result<OrderedGraph> {
        self.sample_graph_with(num_nodes, greedy_frac, rng, |_| ControlFlow::Continue(()))
    }

    /// [`HostBigg::sample_graph`] calling `on_row(i)` after each row `i`;
    /// `ControlFlow::Break(())` stops with a [`GslError::Training`] error.
    pub fn sample_graph_with<R: Rng>(
        &self,
        num_nodes: usize,
        greedy_frac: f64,
        rng: &mut R,
        on_row: impl FnMut(usize) -> ControlFlow<()>,
    ) -> Result<OrderedGraph> {
        Ok(self
            .sample_traced(num_nodes, greedy_frac, rng, on_row, false)?
            .0)
    }

    /// The sampler; with `trace`, also the probability of every decision in order.
    pub(super) fn sample_traced<R: Rng>(
        &self,
        num_nodes: usize,
        greedy_frac: f64,
        rng: &mut R,
        mut on_row: impl FnMut(usize) -> ControlFlow<()>,
        trace: bool,
    ) -> Result<(OrderedGraph, Vec<f64>)> {
        check_sampling_args(num_nodes, greedy_frac)?;
        let mut w = Work::new(self.d, trace);
        let mut history: Vec<Option<Block>> = Vec::new();
        let mut pairs = Vec::new();
        for i in 0..num_nodes {
            let controller = self.controller(&mut history, num_nodes - i, &mut w);
            w.cols.clear();
            let summary = self.gen_row(controller, i, &mut w, rng, greedy_frac)?;
            pairs.extend(w.cols.iter().map(|&j| (i, j)));
            if i + 1 < num_nodes {
                let dense = self.to_dense(summary, &mut w);
                self.push_history(&mut history, dense, &mut w);
            } else {
                w.release(summary);
            }
            if on_row(i).is_break() {
                return Err(GslError::Training(format!(
                    "sampling stopped by the caller after row {i}"
                )));
            }
        }
        Ok((
            OrderedGraph::new(num_nodes, &pairs)?,
            w.trace.unwrap_or_default(),
        ))
    }

    /// The controller of the next row: the `summary_cell` fold of the history blocks from the
    /// lowest level up (BiGG's `FenwickTree.forward`), plus the positional encoding.
    fn controller(&self, history: &mut [Option<Block>], position: usize, w: &mut Work) -> Vec<f32> {
        let d = self.d;
        let mut state: Option<Vec<f32>> = None;
        for block in history.iter_mut().flatten() {
            state = Some(match state {
                None => w.copy(&block.state),
                Some(s) => {
                    if block.product.is_none() {
                        let mut p = w.products.pop().unwrap_or_else(|| vec![0.0; 20 * d]);
                        self.summary.right_product(&block.state[..d], &mut p);
                        block.product = Some(p);
                    }
                    let product = block.product.as_deref().expect("just computed");
                    let mut out = w.take();
                    self.summary.forward(
                        &Input::Dense(&s),
                        &Input::Projected {
                            state: &block.state,
                            product,
                        },
                        &self.fixed,
                        &mut w.tree,
                        &mut out,
                    );
                    w.give(s);
                    out
                }
            });
        }
        let mut state = state.unwrap_or_else(|| w.copy(&self.init));
        if let Some(pos) = &self.pos {
            let enc = &mut w.mlp_hidden[..d];
            pos.encode_into(position, enc);
            let (h, c) = state.split_at_mut(d);
            for ((h, c), e) in h.iter_mut().zip(c.iter_mut()).zip(enc.iter()) {
                *h += e;
                *c += e;
            }
        }
        state
    }

    /// Pushes a row summary into the Fenwick history, merging equal-size blocks.
    fn push_history(&self, history: &mut Vec<Option<Block>>, summary: Vec<f32>, w: &mut Work) {
        let block = Block {
            state: summary,
            product: None,
        };
        fenwick_push(history, block, |_, older, carry| {
            let mut out = w.take();
            self.merge.forward(
                &Input::Dense(&older.state),
                &Input::Dense(&carry.state),
                &self.fixed,
                &mut w.tree,
                &mut out,
            );
            w.give(older.state);
            w.give(carry.state);
            // Cached right-half products go back to the pool.
            w.products.extend(older.product);
            w.products.extend(carry.product);
            Block {
                state: out,
                product: None,
            }
        });
    }

    /// A summary as a dense state `[h; c]` (bit features have `h = c`).
    fn to_dense(&self, s: Summary, w: &mut Work) -> Vec<f32> {
        let d = self.d;
        match s {
            Summary::Dense(v) => v,
            Summary::Fixed(k) => w.copy(&self.fixed[k]),
            Summary::Bits { .. } => {
                let mut out = w.take();
                let Work {
                    positions,
                    cols,
                    tree,
                    ..
                } = w;
                let x = input(&s, cols, &mut positions[0]);
                let c = child_cell(&x, &self.fixed, d, &mut tree.bits[0]);
                out[..d].copy_from_slice(c);
                out[d..].copy_from_slice(c);
                out
            }
        }
    }

    /// One row: the has-edge decision, then the tree (BiGG's `gen_row`).
    fn gen_row<R: Rng>(
        &self,
        controller: Vec<f32>,
        row: usize,
        w: &mut Work,
        rng: &mut R,
        greedy: f64,
    ) -> Result<Summary> {
        let logit = self.has_ch.logit(&controller[..self.d], &mut w.mlp_hidden);
        // Row 0 has no column: the decision is drawn (as in BiGG) but cannot add an edge.
        let has_edge = draw(rng, logit, greedy, w.trace.as_mut())? && row > 0;
        if !has_edge {
            w.give(controller);
            return Ok(Summary::Fixed(0));
        }
        Ok(self
            .gen_subtree(controller, ColumnRange::root(row), w, rng, greedy)?
            .0)
    }

    /// A subtree known to hold an edge; `state` is its top-down state. Mirrors
    /// `BiggNet::gen_subtree` step for step.
    fn gen_subtree<R: Rng>(
        &self,
        mut state: Vec<f32>,
        range: ColumnRange,
        w: &mut Work,
        rng: &mut R,
        greedy: f64,
    ) -> Result<(Summary, usize)> {
        let d = self.d;
        if range.is_leaf() {
            w.cols.push(range.lo);
            w.give(state);
            return Ok((Summary::Fixed(1), 1));
        }
        let logit = self.has_left.logit(&state[..d], &mut w.mlp_hidden);
        let has_left = draw(rng, logit, greedy, w.trace.as_mut())?;
        self.topdown.step(has_left, &mut state, &mut w.gates);
        let (left, num_left) = if has_left {
            let child = w.copy(&state);
            self.gen_subtree(child, range.left(), w, rng, greedy)?
        } else {
            (Summary::Fixed(0), 0)
        };
        let mut top = w.take();
        {
            let Work {
                positions,
                cols,
                tree,
                ..
            } = &mut *w;
            let left_in = input(&left, cols, &mut positions[0]);
            self.l2r
                .forward(&Input::Dense(&state), &left_in, &self.fixed, tree, &mut top);
        }
        w.give(state);
        let has_right = if has_left {
            let logit = self.has_right.logit(&top[..d], &mut w.mlp_hidden);
            draw(rng, logit, greedy, w.trace.as_mut())?
        } else {
            true
        };
        self.topright.step(has_right, &mut top, &mut w.gates);
        let (right, num_right) = if has_right {
            self.gen_subtree(top, range.right(), w, rng, greedy)?
        } else {
            w.give(top);
            (Summary::Fixed(0), 0)
        };
        let count = num_left + num_right;
        let summary = if range.n_cols() <= self.bits_compress {
            w.release(left);
            w.release(right);
            Summary::Bits {
                n_cols: range.n_cols(),
                hi: range.hi,
                start: w.cols.len() - count,
                count,
            }
        } else {
            let mut out = w.take();
            {
                let Work {
                    positions,
                    cols,
                    tree,
                    ..
                } = &mut *w;
                let [pl, pr] = positions;
                let left_in = input(&left, cols, pl);
                let right_in = input(&right, cols, pr);
                self.lr2p
                    .forward(&left_in, &right_in, &self.fixed, tree, &mut out);
            }
            w.release(left);
            w.release(right);
            Summary::Dense(out)
        };
        Ok((summary, count))
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::BiggConfig;
    use super::*;
    use gsl_core::device::device_from_name;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// Samples `n` nodes on both paths from the same seed: same graph, same decision
    /// probabilities (to 1e-5).
    fn assert_same_sampler(net: &BiggNet, n: usize, greedy: f64, seeds: std::ops::Range<u64>) {
        let host = HostBigg::from_net(net).unwrap();
        for seed in seeds {
            let mut tensor_trace = Vec::new();
            let tensor = net
                .sample_traced(
                    n,
                    greedy,
                    &mut StdRng::seed_from_u64(seed),
                    |_| ControlFlow::Continue(()),
                    Some(&mut tensor_trace),
                )
                .unwrap();
            let (graph, trace) = host
                .sample_traced(
                    n,
                    greedy,
                    &mut StdRng::seed_from_u64(seed),
                    |_| ControlFlow::Continue(()),
                    true,
                )
                .unwrap();
            assert_eq!(graph, tensor, "seed {seed}: host and tensor graphs differ");
            assert_eq!(trace.len(), tensor_trace.len());
            // More decisions than rows: the trees below the roots were exercised.
            assert!(
                trace.len() > n,
                "seed {seed}: only {} decisions",
                trace.len()
            );
            for (a, b) in trace.iter().zip(&tensor_trace) {
                assert!((a - b).abs() < 1e-5, "seed {seed}: p {a} vs {b}");
            }
        }
    }

    #[test]
    fn host_sampler_is_the_tensor_sampler_on_untrained_nets() {
        let device = device_from_name("flex").unwrap();
        // No bits, bits below the top levels (dense lr2p over bit children), all bits,
        // no positional encoding.
        for (dim, bits, pos) in [(8, 0, true), (8, 4, true), (32, 32, true), (12, 3, false)] {
            device.seed(dim as u64 + bits as u64);
            let config = BiggConfig::new()
                .with_embed_dim(dim)
                .with_bits_compress(bits)
                .with_pos_enc(pos)
                .with_pos_base(100.0);
            let net = BiggNet::new(&config, &device).unwrap();
            assert_same_sampler(&net, 40, 0.0, 0..4);
        }
    }

    #[test]
    fn host_sampler_is_the_tensor_sampler_on_a_trained_net() {
        use crate::bigg::{Bigg, NodeOrder};
        use crate::eval::SimpleGraph;
        use crate::{FitContext, GraphModel};
        use gsl_data::ensembles::{Generator, Grid2d};
        let device = device_from_name("flex").unwrap();
        let grids: Vec<SimpleGraph> = [(2, 3), (3, 3), (3, 4), (4, 4)]
            .iter()
            .map(|&(a, b)| SimpleGraph::from_edges(&Grid2d::new(a, b).sample(0).unwrap()).unwrap())
            .collect();
        let config = BiggConfig::new()
            .with_embed_dim(16)
            .with_bits_compress(4)
            .with_node_order(NodeOrder::Bfs)
            .with_epochs(1)
            .with_steps_per_epoch(6)
            .with_batch_size(4)
            .with_learning_rate(1e-2)
            .with_pos_base(100.0);
        let context = FitContext {
            device: &device,
            seed: 5,
            quiet: true,
            state_dir: None,
        };
        let model = Bigg::fit(&config, &grids, &context).unwrap();
        assert_same_sampler(&model.net, 30, 0.0, 10..13);
        assert_same_sampler(&model.net, 30, 0.3, 20..22);
        // The model's own sampler takes the host path on plain Flex and gives the same graph.
        let mut rng = gsl_core::train::seeded_rng(9);
        let tensor = model
            .net
            .sample_graph(16, 0.0, &mut rng)
            .unwrap()
            .to_simple()
            .unwrap();
        assert_eq!(model.sample_with_nodes(16, 9).unwrap(), tensor);
    }

    #[test]
    fn bad_arguments_are_errors() {
        let device = device_from_name("flex").unwrap();
        let config = BiggConfig::new().with_embed_dim(8).with_bits_compress(4);
        let net = BiggNet::new(&config, &device).unwrap();
        let host = HostBigg::from_net(&net).unwrap();
        assert_eq!(host.embed_dim(), 8);
        let mut rng = StdRng::seed_from_u64(1);
        assert!(host.sample_graph(0, 0.0, &mut rng).is_err());
        assert!(host.sample_graph(5, 1.5, &mut rng).is_err());
        assert!(host.sample_graph(5, f64::NAN, &mut rng).is_err());
        let mut rows = Vec::new();
        let stopped = host.sample_graph_with(20, 0.0, &mut rng, |i| {
            rows.push(i);
            if i == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert!(matches!(stopped, Err(GslError::Training(_))));
        assert_eq!(rows, vec![0, 1, 2]);
        // A non-finite logit is an error, never a silent decision.
        assert!(draw(&mut rng, f32::NAN, 0.0, None).is_err());
        assert!(draw(&mut rng, f32::INFINITY, 0.0, None).is_err());
    }

    #[test]
    fn transpose_swaps_the_axes() {
        let t = transpose(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3);
        assert_eq!(t, vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }
}
