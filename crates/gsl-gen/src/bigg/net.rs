//! The BiGG network (`RecurTreeGen` + `FenwickTree` of `bigg/model/tree_model.py`) and its
//! three uses: the sequential teacher-forced log-likelihood (the reference semantics), the
//! sequential sampler, and the level-batched log-likelihood used for training.

use std::ops::ControlFlow;

use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData, activation};
use gsl_core::nn::{Activation, Mlp, MlpConfig};
use gsl_core::tensor::to_vec_f32;
use gsl_core::{GslError, Result};
use rand::{Rng, RngExt};

use super::cells::{BinaryTreeLstm, LstmCell, PosEncoding, State};
use super::config::BiggConfig;
use super::tree::{
    BatchPlan, BitsFeature, ColumnRange, OrderedGraph, Parent, SummarySource, fenwick_push,
};

fn index(ids: impl IntoIterator<Item = usize>, device: &Device) -> Tensor<1, Int> {
    let v: Vec<i64> = ids.into_iter().map(|i| i as i64).collect();
    let n = v.len();
    Tensor::from_data(TensorData::new(v, [n]), device)
}

fn glorot(rows: usize, dim: usize, device: &Device) -> Param<Tensor<2>> {
    Initializer::XavierUniform { gain: 1.0 }.init_with([rows, dim], Some(rows), Some(dim), device)
}

/// Learned leaf / empty-subtree states (used when bits compression is off).
#[derive(Module, Debug)]
pub struct BaseStates {
    pub(super) leaf_h0: Param<Tensor<2>>,
    pub(super) leaf_c0: Param<Tensor<2>>,
    pub(super) empty_h0: Param<Tensor<2>>,
    pub(super) empty_c0: Param<Tensor<2>>,
}

/// The BiGG network. Build it with [`BiggNet::new`]; all parameter shapes follow from the
/// config, so a checkpoint loads into `BiggNet::new(&config, device)`.
#[derive(Module, Debug)]
pub struct BiggNet {
    pub(super) topdown_left_embed: Param<Tensor<2>>,
    pub(super) topdown_right_embed: Param<Tensor<2>>,
    pub(super) base: Option<BaseStates>,
    pub(super) init_h0: Param<Tensor<2>>,
    pub(super) init_c0: Param<Tensor<2>>,
    pub(super) merge_cell: BinaryTreeLstm,
    pub(super) summary_cell: BinaryTreeLstm,
    pub(super) lr2p_cell: BinaryTreeLstm,
    pub(super) l2r_cell: BinaryTreeLstm,
    pub(super) cell_topdown: LstmCell,
    pub(super) cell_topright: LstmCell,
    pub(super) pred_has_ch: Mlp,
    pub(super) pred_has_left: Mlp,
    pub(super) pred_has_right: Mlp,
    pub(super) embed_dim: usize,
    pub(super) bits_compress: usize,
    #[module(skip)]
    pub(super) pos: Option<PosEncoding>,
}

/// The logits of a predictor `MLP(d, [2d, 1])`. Its input is a state of the network (finite
/// by construction), so the host-side finiteness check of `Mlp::forward` is skipped: the
/// sampler checks each logit it reads and training checks the loss.
fn predict(mlp: &Mlp, x: Tensor<2>) -> Tensor<2> {
    mlp.forward_unchecked(x)
}

/// Tensors the sequential recursion reuses at every node: the empty and leaf states and the
/// LSTM input terms of the two has-left / has-right embeddings.
struct Constants {
    empty: State,
    leaf: State,
    left_input: Tensor<2>,
    right_input: Tensor<2>,
}

/// Log-likelihood of a set of Bernoulli decisions: `Σ log σ(±logit)`.
fn bernoulli_ll(logits: Tensor<2>, labels: &[bool], device: &Device) -> Tensor<1> {
    let n = labels.len();
    let signs: Vec<f32> = labels.iter().map(|&y| if y { 1.0 } else { -1.0 }).collect();
    let signs = Tensor::<2>::from_data(TensorData::new(signs, [n, 1]), device);
    activation::log_sigmoid(logits * signs).sum()
}

/// Who decides the Bernoulli outcomes of the sequential recursion: the training data (teacher
/// forcing, accumulating the log-likelihood) or a random draw (sampling).
trait Decider {
    /// The outcome of a decision with `logit` (`[1, 1]`). Teacher forcing takes the true label,
    /// `label(columns of the row not generated yet)`, and scores it; sampling draws it.
    fn decide(&mut self, logit: Tensor<2>, label: impl Fn(&[usize]) -> bool) -> Result<bool>;
    /// Columns generated so far in the current row.
    fn columns(&self) -> &[usize];
    /// Records the edge at `col`.
    fn add_edge(&mut self, col: usize);
}

/// Teacher forcing on one row.
struct Teacher<'a> {
    cols: &'a [usize],
    pos: usize,
    ll: Vec<Tensor<2>>,
}

impl Decider for Teacher<'_> {
    fn decide(&mut self, logit: Tensor<2>, label: impl Fn(&[usize]) -> bool) -> Result<bool> {
        let y = label(&self.cols[self.pos..]);
        let logit = if y { logit } else { logit.neg() };
        self.ll.push(activation::log_sigmoid(logit));
        Ok(y)
    }
    fn columns(&self) -> &[usize] {
        &self.cols[..self.pos]
    }
    fn add_edge(&mut self, col: usize) {
        debug_assert_eq!(self.cols[self.pos], col);
        self.pos += 1;
    }
}

/// One sampled decision from its logit `z`: `p = σ(z)`, mixed with greedy decoding
/// (`p' = p(1 − g) + g·[p ≥ 0.5]`), then one uniform draw. Both samplers (tensor and host) call
/// this, so the same logits and RNG stream give the same decisions. `trace` receives `p'`.
pub(super) fn draw<R: Rng>(
    rng: &mut R,
    logit: f32,
    greedy_frac: f64,
    trace: Option<&mut Vec<f64>>,
) -> Result<bool> {
    let z = logit as f64;
    if !z.is_finite() {
        return Err(GslError::NonFinite("BiGG decision logit".into()));
    }
    let p = 1.0 / (1.0 + (-z).exp());
    let g = greedy_frac;
    let p = p * (1.0 - g) + if p >= 0.5 { g } else { 0.0 };
    if let Some(t) = trace {
        t.push(p);
    }
    Ok(rng.random::<f64>() < p)
}

/// Random decisions.
struct Sampler<'a, R: Rng> {
    rng: &'a mut R,
    greedy_frac: f64,
    cols: Vec<usize>,
    trace: Option<&'a mut Vec<f64>>,
}

impl<R: Rng> Decider for Sampler<'_, R> {
    fn decide(&mut self, logit: Tensor<2>, _label: impl Fn(&[usize]) -> bool) -> Result<bool> {
        let z = logit.into_scalar::<f32>();
        draw(
            &mut *self.rng,
            z,
            self.greedy_frac,
            self.trace.as_deref_mut(),
        )
    }
    fn columns(&self) -> &[usize] {
        &self.cols
    }
    fn add_edge(&mut self, col: usize) {
        self.cols.push(col);
    }
}

/// The argument checks shared by both samplers.
pub(super) fn check_sampling_args(num_nodes: usize, greedy_frac: f64) -> Result<()> {
    if num_nodes == 0 {
        return Err(GslError::invalid("num_nodes", "must be at least 1"));
    }
    if !(0.0..=1.0).contains(&greedy_frac) {
        return Err(GslError::invalid(
            "greedy_frac",
            format!("must lie in [0, 1], got {greedy_frac}"),
        ));
    }
    Ok(())
}

/// The row-history Fenwick tree of the sequential path (BiGG's `FenwickTree.forward`):
/// `levels[k]` holds the summary of the last complete block of `2^k` rows, if any.
struct RowHistory {
    levels: Vec<Option<State>>,
}

impl BiggNet {
    /// A freshly initialised network (parameters on `device`), after validating `config`.
    ///
    /// Initialisation follows BiGG: Glorot-uniform for the embeddings and initial states,
    /// PyTorch defaults for the linear layers and LSTM cells.
    pub fn new(config: &BiggConfig, device: &Device) -> Result<Self> {
        config.validate()?;
        let d = config.embed_dim;
        let mlp = || {
            MlpConfig::new(vec![d, 2 * d, 1])
                .with_activation(Activation::Elu { alpha: 1.0 })
                .init(device)
        };
        let base = (config.bits_compress == 0).then(|| BaseStates {
            leaf_h0: glorot(1, d, device),
            leaf_c0: glorot(1, d, device),
            empty_h0: glorot(1, d, device),
            empty_c0: glorot(1, d, device),
        });
        Ok(Self {
            topdown_left_embed: glorot(2, d, device),
            topdown_right_embed: glorot(2, d, device),
            base,
            init_h0: glorot(1, d, device),
            init_c0: glorot(1, d, device),
            merge_cell: BinaryTreeLstm::new(d, device),
            summary_cell: BinaryTreeLstm::new(d, device),
            lr2p_cell: BinaryTreeLstm::new(d, device),
            l2r_cell: BinaryTreeLstm::new(d, device),
            cell_topdown: LstmCell::new(d, device),
            cell_topright: LstmCell::new(d, device),
            pred_has_ch: mlp()?,
            pred_has_left: mlp()?,
            pred_has_right: mlp()?,
            embed_dim: d,
            bits_compress: config.bits_compress,
            pos: config.pos_enc.then(|| PosEncoding::new(d, config.pos_base)),
        })
    }

    pub(crate) fn device(&self) -> Device {
        self.init_h0.val().device()
    }

    /// The empty and leaf states as a `[2, d]` table (row 0 empty, row 1 leaf). With bits
    /// compression they are BiGG's fixed `base_feat` rows `[−1, 0, …]` and `[+1, 0, …]`.
    pub(super) fn base_table(&self, device: &Device) -> State {
        match &self.base {
            Some(b) => State {
                h: Tensor::cat(vec![b.empty_h0.val(), b.leaf_h0.val()], 0),
                c: Tensor::cat(vec![b.empty_c0.val(), b.leaf_c0.val()], 0),
            },
            None => {
                let d = self.embed_dim;
                let mut v = vec![0.0f32; 2 * d];
                v[0] = -1.0;
                v[d] = 1.0;
                let t = Tensor::<2>::from_data(TensorData::new(v, [2, d]), device);
                State { h: t.clone(), c: t }
            }
        }
    }

    fn constants(&self, device: &Device) -> Constants {
        let base = self.base_table(device);
        Constants {
            empty: base.select(index([0], device)),
            leaf: base.select(index([1], device)),
            left_input: self.cell_topdown.input_term(self.topdown_left_embed.val()),
            right_input: self
                .cell_topright
                .input_term(self.topdown_right_embed.val()),
        }
    }

    /// The bit features of subtrees, `[k, d]` (`h = c`).
    fn bits_state(&self, features: &[BitsFeature], device: &Device) -> Result<State> {
        let d = self.embed_dim;
        let mut v = vec![0.0f32; features.len() * d];
        for (feature, out) in features.iter().zip(v.chunks_mut(d)) {
            feature.write(out)?;
        }
        let t = Tensor::<2>::from_data(TensorData::new(v, [features.len(), d]), device);
        Ok(State { h: t.clone(), c: t })
    }

    fn pos_rows(&self, positions: &[usize], device: &Device) -> Option<Tensor<2>> {
        self.pos.as_ref().map(|p| p.encode(positions, device))
    }

    fn embed(table: &Param<Tensor<2>>, labels: &[bool], device: &Device) -> Tensor<2> {
        table
            .val()
            .select(0, index(labels.iter().map(|&b| b as usize), device))
    }

    // ---------------------------------------------------------------- sequential path

    fn history_state(&self, history: &RowHistory) -> State {
        let mut state: Option<State> = None;
        for block in history.levels.iter().flatten() {
            state = Some(match state {
                None => block.clone(),
                Some(s) => self.summary_cell.forward(&s, block),
            });
        }
        state.unwrap_or_else(|| State {
            h: self.init_h0.val(),
            c: self.init_c0.val(),
        })
    }

    fn push_history(&self, history: &mut RowHistory, summary: State) {
        fenwick_push(&mut history.levels, summary, |_, older, carry| {
            self.merge_cell.forward(&older, &carry)
        });
    }

    /// BiGG's `gen_row` below the root: the node `range` is known to hold an edge. Returns
    /// its bottom-up summary and its number of edges.
    fn gen_subtree<D: Decider>(
        &self,
        state: State,
        range: ColumnRange,
        decider: &mut D,
        consts: &Constants,
        device: &Device,
    ) -> Result<(State, usize)> {
        if range.is_leaf() {
            decider.add_edge(range.lo);
            return Ok((consts.leaf.clone(), 1));
        }
        let mid = range.mid();
        let left_logit = predict(&self.pred_has_left, state.h.clone());
        let has_left = decider.decide(left_logit, |rest| rest.first().is_some_and(|&c| c < mid))?;
        let state = self.cell_topdown.forward_with_input_term(
            consts
                .left_input
                .clone()
                .select(0, index([has_left as usize], device)),
            &state,
        );
        let (left, num_left) = if has_left {
            self.gen_subtree(state.clone(), range.left(), decider, consts, device)?
        } else {
            (consts.empty.clone(), 0)
        };
        let top = self.l2r_cell.forward(&state, &left);
        let has_right = if has_left {
            let logit = predict(&self.pred_has_right, top.h.clone());
            decider.decide(logit, |rest| {
                rest.first().is_some_and(|&c| (mid..range.hi).contains(&c))
            })?
        } else {
            true
        };
        let top = self.cell_topright.forward_with_input_term(
            consts
                .right_input
                .clone()
                .select(0, index([has_right as usize], device)),
            &top,
        );
        let (right, num_right) = if has_right {
            self.gen_subtree(top, range.right(), decider, consts, device)?
        } else {
            (consts.empty.clone(), 0)
        };
        let count = num_left + num_right;
        let summary = if range.n_cols() <= self.bits_compress {
            let cols = decider.columns();
            let feature = BitsFeature {
                n_cols: range.n_cols(),
                ones: cols[cols.len() - count..]
                    .iter()
                    .map(|&c| range.hi - 1 - c)
                    .collect(),
            };
            self.bits_state(&[feature], device)?
        } else {
            self.lr2p_cell.forward(&left, &right)
        };
        Ok((summary, count))
    }

    /// One row: the has-edge decision at the root, then the tree. Returns the row summary.
    fn gen_row<D: Decider>(
        &self,
        controller: State,
        row: usize,
        decider: &mut D,
        consts: &Constants,
        device: &Device,
    ) -> Result<State> {
        let range = ColumnRange::root(row);
        let logit = predict(&self.pred_has_ch, controller.h.clone());
        // Row 0 has no column: BiGG forces "no edge" but still scores the decision.
        let has_edge = decider.decide(logit, |rest| !rest.is_empty())? && range.n_cols() > 0;
        if !has_edge {
            return Ok(consts.empty.clone());
        }
        Ok(self
            .gen_subtree(controller, range, decider, consts, device)?
            .0)
    }

    fn controller(&self, history: &RowHistory, position: usize, device: &Device) -> State {
        let state = self.history_state(history);
        match self.pos_rows(&[position], device) {
            Some(p) => state.add_both(p),
            None => state,
        }
    }

    /// The log-likelihood of `graph` under the model, one row and one tree node at a time
    /// (BiGG's `RecurTreeGen.forward` with `edge_list` given). This is the reference the
    /// batched path is tested against; it differentiates on an autodiff device.
    pub fn log_likelihood_sequential(&self, graph: &OrderedGraph) -> Result<Tensor<1>> {
        let device = self.device();
        let n = graph.num_nodes();
        let consts = self.constants(&device);
        let mut history = RowHistory { levels: Vec::new() };
        let mut terms = Vec::new();
        for i in 0..n {
            let controller = self.controller(&history, n - i, &device);
            let mut teacher = Teacher {
                cols: graph.row(i),
                pos: 0,
                ll: Vec::new(),
            };
            let summary = self.gen_row(controller, i, &mut teacher, &consts, &device)?;
            terms.extend(teacher.ll);
            if i + 1 < n {
                self.push_history(&mut history, summary);
            }
        }
        Ok(Tensor::cat(terms, 0).sum())
    }

    /// Samples a graph with `num_nodes` nodes (BiGG's `RecurTreeGen.forward` without
    /// `edge_list`): O((n + m) log n) cell evaluations. Call it on a model without autodiff.
    pub fn sample_graph<R: Rng>(
        &self,
        num_nodes: usize,
        greedy_frac: f64,
        rng: &mut R,
    ) -> Result<OrderedGraph> {
        self.sample_graph_with(num_nodes, greedy_frac, rng, |_| ControlFlow::Continue(()))
    }

    /// [`BiggNet::sample_graph`] calling `on_row(i)` after each generated row `i` (progress
    /// display); `ControlFlow::Break(())` stops with a [`GslError::Training`] error.
    ///
    /// This is the tensor-op sampler (any device); on plain Flex [`super::host::HostBigg`] runs
    /// the same sampler on host arrays, without per-op dispatch.
    pub fn sample_graph_with<R: Rng>(
        &self,
        num_nodes: usize,
        greedy_frac: f64,
        rng: &mut R,
        on_row: impl FnMut(usize) -> ControlFlow<()>,
    ) -> Result<OrderedGraph> {
        self.sample_traced(num_nodes, greedy_frac, rng, on_row, None)
    }

    /// The sampler, recording the probability of every decision into `trace` when given.
    pub(super) fn sample_traced<R: Rng>(
        &self,
        num_nodes: usize,
        greedy_frac: f64,
        rng: &mut R,
        mut on_row: impl FnMut(usize) -> ControlFlow<()>,
        mut trace: Option<&mut Vec<f64>>,
    ) -> Result<OrderedGraph> {
        check_sampling_args(num_nodes, greedy_frac)?;
        let device = self.device();
        let consts = self.constants(&device);
        let mut history = RowHistory { levels: Vec::new() };
        let mut pairs = Vec::new();
        for i in 0..num_nodes {
            let controller = self.controller(&history, num_nodes - i, &device);
            let mut sampler = Sampler {
                rng: &mut *rng,
                greedy_frac,
                cols: Vec::new(),
                trace: trace.as_deref_mut(),
            };
            let summary = self.gen_row(controller, i, &mut sampler, &consts, &device)?;
            pairs.extend(sampler.cols.iter().map(|&j| (i, j)));
            if i + 1 < num_nodes {
                self.push_history(&mut history, summary);
            }
            if on_row(i).is_break() {
                return Err(GslError::Training(format!(
                    "sampling stopped by the caller after row {i}"
                )));
            }
        }
        OrderedGraph::new(num_nodes, &pairs)
    }

    // ---------------------------------------------------------------- batched path

    fn check_plan(&self, plan: &BatchPlan) -> Result<()> {
        if plan.bits_compress != self.bits_compress {
            return Err(GslError::invalid(
                "plan",
                format!(
                    "built with bits_compress {}, the network uses {}",
                    plan.bits_compress, self.bits_compress
                ),
            ));
        }
        Ok(())
    }

    /// The log-likelihood of every graph of `plan`, summed, computed level by level across all
    /// rows and graphs (BiGG's `forward_train`): one batched Tree-LSTM call per tree depth
    /// bottom-up, one merge per Fenwick level, one summary step per prefix bit, then one batched
    /// set of predictions per depth top-down. Equal to the sum of
    /// [`BiggNet::log_likelihood_sequential`] over the graphs.
    ///
    /// Errors: `plan` was built with another `bits_compress` than the network's, or is a
    /// block of rows that needs incoming Fenwick states ([`BatchPlan::build_block`]).
    pub fn log_likelihood_batched(&self, plan: &BatchPlan) -> Result<Tensor<1>> {
        Ok(self.forward_plan(plan, None)?.0)
    }

    /// The log-likelihood of the rows of `plan` and the Fenwick states after them
    /// ([`FenwickPlan::outgoing`](super::tree::FenwickPlan::outgoing), `None` when there are
    /// none), given the states before them (`incoming`, one row per
    /// [`FenwickPlan::incoming`](super::tree::FenwickPlan::incoming) level).
    fn forward_plan(
        &self,
        plan: &BatchPlan,
        incoming: Option<&State>,
    ) -> Result<(Tensor<1>, Option<State>)> {
        self.check_plan(plan)?;
        let device = self.device();
        let (tables, rows) = self.bottom_up(plan, &device)?;
        let joint = self.fenwick_states(plan, rows, incoming, &device)?;
        let outgoing = Self::outgoing(plan, &joint, &device);
        let controllers = self.controllers(plan, &joint, &device);
        let ll = self.top_down(plan, &tables, controllers, &device)?;
        Ok((ll, outgoing))
    }

    /// Only the Fenwick states after the rows of `plan` (no decision is scored): the no-grad
    /// pass of block-wise training.
    fn forward_boundary(
        &self,
        plan: &BatchPlan,
        incoming: Option<&State>,
    ) -> Result<Option<State>> {
        self.check_plan(plan)?;
        let device = self.device();
        let (_, rows) = self.bottom_up(plan, &device)?;
        let joint = self.fenwick_states(plan, rows, incoming, &device)?;
        Ok(Self::outgoing(plan, &joint, &device))
    }

    /// Bottom-up: `tables[d] = [empty; leaf; bits of depth d; cells of depth d]`, and the
    /// summary of every row.
    fn bottom_up(&self, plan: &BatchPlan, device: &Device) -> Result<(Vec<Option<State>>, State)> {
        let base = self.base_table(device);
        let num_depths = plan.depths.len();
        let mut tables: Vec<Option<State>> = vec![None; num_depths + 1];
        tables[num_depths] = Some(base.clone());
        for d in (0..num_depths).rev() {
            let level = &plan.depths[d];
            let below = tables[d + 1].as_ref().expect("built deeper first");
            let nb = num_bits_at(plan, d + 1);
            let mut parts = vec![base.clone()];
            if !level.bits.is_empty() {
                parts.push(self.bits_state(&level.bits, device)?);
            }
            if !level.cells.is_empty() {
                let left = below.select(index(
                    level.cells.iter().map(|c| table_index(c.0, nb)),
                    device,
                ));
                let right = below.select(index(
                    level.cells.iter().map(|c| table_index(c.1, nb)),
                    device,
                ));
                parts.push(self.lr2p_cell.forward(&left, &right));
            }
            tables[d] = Some(State::cat(parts));
        }
        let top_table = tables[0].as_ref().expect("depth 0 built");
        let nb = num_bits_at(plan, 0);
        let rows = top_table.select(index(
            plan.row_summary.iter().map(|&s| table_index(s, nb)),
            device,
        ));
        Ok((tables, rows))
    }

    /// The joint Fenwick table `[init; level 0; level 1; …]`, where level `l` holds the
    /// incoming state of level `l` (if any) followed by the states merged in this plan
    /// (level 0: the row summaries).
    fn fenwick_states(
        &self,
        plan: &BatchPlan,
        rows: State,
        incoming: Option<&State>,
        device: &Device,
    ) -> Result<State> {
        let fenwick = &plan.fenwick;
        let received = incoming.map_or(0, State::len);
        if received != fenwick.incoming.len() {
            return Err(GslError::shape(
                "incoming Fenwick states",
                format!("{} rows (one per incoming level)", fenwick.incoming.len()),
                received,
            ));
        }
        let incoming_at = |level: usize| -> Option<State> {
            let k = fenwick.incoming.iter().position(|&l| l == level)?;
            incoming.map(|s| s.select(index([k], device)))
        };
        let with_incoming = |level: usize, computed: Option<State>| -> Option<State> {
            match (incoming_at(level), computed) {
                (Some(a), Some(b)) => Some(State::cat(vec![a, b])),
                (a, b) => a.or(b),
            }
        };
        let mut joint = vec![State {
            h: self.init_h0.val(),
            c: self.init_c0.val(),
        }];
        let mut table = with_incoming(0, Some(rows));
        joint.extend(table.clone());
        for (k, pairs) in fenwick.merges.iter().enumerate() {
            let computed = match (&table, pairs.is_empty()) {
                (_, true) => None,
                (Some(below), false) => {
                    let older = below.select(index(pairs.iter().map(|p| p.0), device));
                    let newer = below.select(index(pairs.iter().map(|p| p.1), device));
                    Some(self.merge_cell.forward(&older, &newer))
                }
                (None, false) => {
                    return Err(GslError::invalid(
                        "plan",
                        format!("Fenwick level {} merges states of an empty level", k + 1),
                    ));
                }
            };
            table = with_incoming(k + 1, computed);
            joint.extend(table.clone());
        }
        Ok(State::cat(joint))
    }

    fn outgoing(plan: &BatchPlan, joint: &State, device: &Device) -> Option<State> {
        let out = &plan.fenwick.outgoing;
        (!out.is_empty()).then(|| joint.select(index(out.iter().copied(), device)))
    }

    /// The controller state of every row: the `summary_cell` fold of its Fenwick blocks,
    /// lowest level first, batched by fold step, plus the positional encoding.
    fn controllers(&self, plan: &BatchPlan, joint: &State, device: &Device) -> State {
        let blocks = &plan.fenwick.blocks;
        let num_rows = plan.num_rows();
        let mut state = joint.select(index(blocks.iter().map(|b| b[0]), device));
        let mut folded = vec![state.clone()];
        // Position of each row in the latest fold state, and where its final state lies in
        // the concatenation of all fold states.
        let mut position: Vec<usize> = (0..num_rows).collect();
        let mut final_index: Vec<usize> = (0..num_rows).collect();
        let mut offset = num_rows;
        for (t, active) in plan.fenwick.steps.iter().enumerate() {
            let prev = state.select(index(active.iter().map(|&r| position[r]), device));
            let next_block = joint.select(index(active.iter().map(|&r| blocks[r][t + 1]), device));
            state = self.summary_cell.forward(&prev, &next_block);
            for (k, &r) in active.iter().enumerate() {
                position[r] = k;
                final_index[r] = offset + k;
            }
            offset += active.len();
            folded.push(state.clone());
        }
        let controllers = State::cat(folded).select(index(final_index, device));
        match self.pos_rows(&plan.positions, device) {
            Some(p) => controllers.add_both(p),
            None => controllers,
        }
    }

    /// The has-edge decisions of every row, then the tree decisions one depth at a time.
    fn top_down(
        &self,
        plan: &BatchPlan,
        tables: &[Option<State>],
        controllers: State,
        device: &Device,
    ) -> Result<Tensor<1>> {
        let mut ll = bernoulli_ll(
            predict(&self.pred_has_ch, controllers.h.clone()),
            &plan.has_ch,
            device,
        );
        let mut after: Option<(State, State)> = None;
        for (d, level) in plan.depths.iter().enumerate() {
            let n_prev = after.as_ref().map_or(0, |(s, _)| s.len());
            let parent_ids = level.parent.iter().map(|p| match *p {
                Parent::Row(r) => r,
                Parent::Left(j) => j,
                Parent::Right(j) => n_prev + j,
            });
            let states = match &after {
                None => controllers.select(index(parent_ids, device)),
                Some((left, right)) => {
                    State::cat(vec![left.clone(), right.clone()]).select(index(parent_ids, device))
                }
            };
            let left_logits = predict(&self.pred_has_left, states.h.clone());
            ll = ll + bernoulli_ll(left_logits, &level.has_left, device);
            let states = self.cell_topdown.forward(
                Self::embed(&self.topdown_left_embed, &level.has_left, device),
                &states,
            );
            let below = tables[d + 1].as_ref().expect("built");
            let left_summary = below.select(index(
                level
                    .left_summary
                    .iter()
                    .map(|&s| table_index(s, num_bits_at(plan, d + 1))),
                device,
            ));
            let top = self.l2r_cell.forward(&states, &left_summary);
            let scored: Vec<usize> = (0..level.has_left.len())
                .filter(|&j| level.has_left[j])
                .collect();
            if !scored.is_empty() {
                let logits = self.pred_has_right.forward(
                    top.h
                        .clone()
                        .select(0, index(scored.iter().copied(), device)),
                )?;
                let labels: Vec<bool> = scored.iter().map(|&j| level.has_right[j]).collect();
                ll = ll + bernoulli_ll(logits, &labels, device);
            }
            let top = self.cell_topright.forward(
                Self::embed(&self.topdown_right_embed, &level.has_right, device),
                &top,
            );
            after = Some((states, top));
        }
        Ok(ll)
    }

    // ---------------------------------------------------------------- block-wise path

    /// The log-likelihood of `graph` and the gradients of `ll_weight · ll` with respect to
    /// every parameter, computed `block_size` rows at a time so that the autodiff graph of at
    /// most one block is alive (BiGG's `sqrtn_forward_backward`, `-blksize`). Call it on a
    /// network built on an autodiff device; train with `ll_weight = −1 / #nodes` for BiGG's
    /// loss.
    ///
    /// 1. A pass without autodiff (on [`Module::valid`]) runs the bottom-up summaries and the
    ///    Fenwick merges of each block in order and keeps the Fenwick states at every block
    ///    start: one `(h, c)` pair per set bit of the start row (≤ log2 n pairs), the only
    ///    values later rows read from earlier ones.
    /// 2. The blocks run again from the last to the first, with autodiff: the incoming states
    ///    become leaves that require gradients, the block's objective is
    ///    `ll_weight · ll_k + Σ (outgoing_k ⊙ g_{k+1})`, where `g_{k+1}` is the gradient of the
    ///    later blocks' objective with respect to block `k + 1`'s incoming states (the
    ///    boundary gradient), and one backward pass gives block `k`'s share of the parameter
    ///    gradients and `g_k`.
    ///
    /// By the chain rule the summed gradients equal those of one pass over the whole graph
    /// (up to float rounding); blocks may start at any row (see `FenwickPlan`'s block
    /// schedule). `block_size ≥ n` is one block.
    ///
    /// Errors: `block_size = 0`, a non-finite `ll_weight`, a network without autodiff, a
    /// non-finite log-likelihood.
    pub fn blockwise_gradients(
        &self,
        graph: &OrderedGraph,
        block_size: usize,
        ll_weight: f64,
    ) -> Result<BlockwiseGradients> {
        if block_size == 0 {
            return Err(GslError::invalid("block_size", "must be at least 1"));
        }
        if !ll_weight.is_finite() {
            return Err(GslError::invalid(
                "ll_weight",
                format!("must be finite, got {ll_weight}"),
            ));
        }
        let device = self.device();
        if !device.is_autodiff() {
            return Err(GslError::invalid(
                "net",
                "block-wise gradients need a network on an autodiff device (`device.autodiff()`)",
            ));
        }
        let plans = self.block_plans(graph, block_size)?;

        // 1. Fenwick states at every block start, without autodiff.
        let plain = self.valid();
        let mut boundaries: Vec<Option<State>> = vec![None];
        for plan in &plans[..plans.len() - 1] {
            let next = plain.forward_boundary(plan, boundaries.last().expect("seeded").as_ref())?;
            boundaries.push(next);
        }

        // 2. Blocks in reverse order, each with its own autodiff graph.
        let mut accumulator = GradientsAccumulator::<BiggNet>::new();
        let mut boundary_grad: Option<State> = None;
        let mut total = 0.0;
        for (plan, incoming) in plans.iter().zip(boundaries).rev() {
            let incoming = incoming.map(|s| State {
                h: s.h.autodiff().require_grad(),
                c: s.c.autodiff().require_grad(),
            });
            let (ll, outgoing) = self.forward_plan(plan, incoming.as_ref())?;
            let value = to_vec_f32(ll.clone().detach())[0] as f64;
            if !value.is_finite() {
                return Err(GslError::NonFinite(format!(
                    "BiGG log-likelihood of rows {}..{}",
                    plan.first_row,
                    plan.first_row + plan.num_rows()
                )));
            }
            total += value;
            let mut objective = ll.mul_scalar(ll_weight);
            if let (Some(out), Some(g)) = (outgoing, boundary_grad.take()) {
                objective = objective + (out.h * g.h).sum() + (out.c * g.c).sum();
            }
            let grads = objective.backward();
            boundary_grad = match &incoming {
                Some(s) => Some(State {
                    h: s.h.grad(&grads).ok_or_else(no_boundary_grad)?,
                    c: s.c.grad(&grads).ok_or_else(no_boundary_grad)?,
                }),
                None => None,
            };
            accumulator.accumulate(self, GradientsParams::from_grads(grads, self));
        }
        Ok(BlockwiseGradients {
            log_likelihood: total,
            gradients: accumulator.grads(),
            num_blocks: plans.len(),
        })
    }
}

impl BiggNet {
    /// The plans of `graph`'s rows in blocks of `block_size` (the last may be shorter).
    fn block_plans(&self, graph: &OrderedGraph, block_size: usize) -> Result<Vec<BatchPlan>> {
        if block_size == 0 {
            return Err(GslError::invalid("block_size", "must be at least 1"));
        }
        let n = graph.num_nodes();
        (0..n)
            .step_by(block_size)
            .map(|start| {
                BatchPlan::build_block(
                    graph,
                    start..(start + block_size).min(n),
                    self.bits_compress,
                )
            })
            .collect()
    }

    /// The log-likelihood of `graph` evaluated block by block, rows `[kB, (k + 1)B)` at a
    /// time, each block starting from the Fenwick states the previous one left: the value of
    /// one pass over the whole graph (up to float rounding) with the memory of one block of
    /// `block_size` rows, for graphs too large for one pass. Runs without autodiff (on
    /// [`Module::valid`] when the network is on an autodiff device).
    ///
    /// Errors: `block_size = 0`, a non-finite log-likelihood.
    pub fn blockwise_log_likelihood(&self, graph: &OrderedGraph, block_size: usize) -> Result<f64> {
        let plans = self.block_plans(graph, block_size)?;
        let plain = if self.device().is_autodiff() {
            self.valid()
        } else {
            self.clone()
        };
        let mut incoming: Option<State> = None;
        let mut total = 0.0;
        for plan in &plans {
            let (ll, outgoing) = plain.forward_plan(plan, incoming.as_ref())?;
            total += to_vec_f32(ll)[0] as f64;
            incoming = outgoing;
        }
        if !total.is_finite() {
            return Err(GslError::NonFinite("BiGG block-wise log-likelihood".into()));
        }
        Ok(total)
    }
}

fn no_boundary_grad() -> GslError {
    GslError::Training("no gradient reached the incoming Fenwick states of a block".into())
}

/// What [`BiggNet::blockwise_gradients`] returns.
#[derive(Debug)]
pub struct BlockwiseGradients {
    /// The log-likelihood of the graph (sum over blocks).
    pub log_likelihood: f64,
    /// Gradients of `ll_weight · ll` with respect to the network's parameters.
    pub gradients: GradientsParams,
    /// Number of blocks the graph was cut into.
    pub num_blocks: usize,
}

/// Row of a summary source in the tables of one depth (`[empty; leaf; bits; cells]`).
fn table_index(src: SummarySource, num_bits: usize) -> usize {
    match src {
        SummarySource::Empty => 0,
        SummarySource::Leaf => 1,
        SummarySource::Bits(k) => 2 + k,
        SummarySource::Cell(k) => 2 + num_bits + k,
    }
}

/// Number of bit features in the tables of depth `d`.
fn num_bits_at(plan: &BatchPlan, d: usize) -> usize {
    plan.depths.get(d).map_or(0, |p| p.bits.len())
}

#[cfg(test)]
mod tests {
    use super::super::tree::random_graph;
    use super::*;
    use gsl_core::device::device_from_name;
    use gsl_core::tensor::to_vec_f32;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn scalar(t: Tensor<1>) -> f64 {
        to_vec_f32(t)[0] as f64
    }

    #[test]
    fn batched_equals_sequential_log_likelihood() {
        let device = device_from_name("flex").unwrap();
        let graphs = [
            random_graph(23, 0.2, 1),
            random_graph(9, 0.5, 2),
            random_graph(2, 1.0, 3),
            random_graph(17, 0.0, 4),
        ];
        // Without bits, with bits covering the low levels, and with everything in bits.
        for (dim, bits) in [(8, 0), (8, 4), (32, 32)] {
            device.seed(7);
            let config = BiggConfig::new()
                .with_embed_dim(dim)
                .with_bits_compress(bits)
                .with_pos_base(100.0);
            let net = BiggNet::new(&config, &device).unwrap();
            let sequential: f64 = graphs
                .iter()
                .map(|g| scalar(net.log_likelihood_sequential(g).unwrap()))
                .sum();
            let refs: Vec<&OrderedGraph> = graphs.iter().collect();
            let plan = BatchPlan::build(&refs, bits).unwrap();
            let batched = scalar(net.log_likelihood_batched(&plan).unwrap());
            assert!(sequential < 0.0);
            let other = BatchPlan::build(&refs, bits + 1).unwrap();
            assert!(net.log_likelihood_batched(&other).is_err());
            assert!(
                (sequential - batched).abs() < 1e-4 * sequential.abs().max(1.0),
                "dim {dim} bits {bits}: sequential {sequential} vs batched {batched}"
            );
        }
    }

    #[test]
    fn batched_and_sequential_gradients_agree() {
        let device = device_from_name("flex").unwrap().autodiff();
        device.seed(3);
        let config = BiggConfig::new().with_embed_dim(6).with_bits_compress(2);
        let net = BiggNet::new(&config, &device).unwrap();
        let graphs = [random_graph(13, 0.3, 8), random_graph(6, 0.5, 9)];
        let grads_of = |ll: Tensor<1>| {
            let grads = ll.backward();
            let g = |p: &Param<Tensor<2>>| to_vec_f32(p.val().grad(&grads).unwrap());
            [
                g(&net.init_h0),
                g(&net.topdown_left_embed),
                g(&net.topdown_right_embed),
                to_vec_f32(net.merge_cell.out_bias.val().grad(&grads).unwrap()),
            ]
        };
        let sequential = grads_of(
            net.log_likelihood_sequential(&graphs[0]).unwrap()
                + net.log_likelihood_sequential(&graphs[1]).unwrap(),
        );
        let plan = BatchPlan::build(&[&graphs[0], &graphs[1]], 2).unwrap();
        let batched = grads_of(net.log_likelihood_batched(&plan).unwrap());
        for (a, b) in sequential.iter().zip(&batched) {
            assert!(
                a.iter().any(|v| v.abs() > 1e-6),
                "gradient reaches the parameter"
            );
            for (x, y) in a.iter().zip(b) {
                assert!((x - y).abs() < 1e-4 * (1.0 + x.abs()), "{x} vs {y}");
            }
        }
    }

    /// Every parameter's gradient in `grads` (empty when it has none), in visiting order.
    fn all_gradients(net: &BiggNet, grads: &GradientsParams) -> Vec<Vec<f32>> {
        struct Collect<'a> {
            grads: &'a GradientsParams,
            out: Vec<Vec<f32>>,
        }
        impl burn::module::ModuleVisitor for Collect<'_> {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let g = self.grads.get::<D>(param.id).map(to_vec_f32);
                self.out.push(g.unwrap_or_default());
            }
        }
        let mut visitor = Collect {
            grads,
            out: Vec::new(),
        };
        net.visit(&mut visitor);
        visitor.out
    }

    fn norm(v: impl Iterator<Item = f32>) -> f64 {
        v.map(|x| (x as f64).powi(2)).sum::<f64>().sqrt()
    }

    #[test]
    fn blockwise_likelihood_and_gradients_equal_one_pass() {
        let device = device_from_name("flex").unwrap().autodiff();
        let graph = random_graph(37, 0.15, 21);
        // Learned leaf/empty states (bits 0) and fixed bit features (bits 8).
        for bits in [8, 0] {
            device.seed(5);
            let config = BiggConfig::new()
                .with_embed_dim(16)
                .with_bits_compress(bits)
                .with_pos_base(100.0);
            let net = BiggNet::new(&config, &device).unwrap();
            let weight = -1.0 / 37.0;
            let plan = BatchPlan::build(&[&graph], bits).unwrap();
            let ll = net.log_likelihood_batched(&plan).unwrap();
            let one_pass_ll = scalar(ll.clone().detach());
            let one_pass = all_gradients(
                &net,
                &GradientsParams::from_grads(ll.mul_scalar(weight).backward(), &net),
            );
            assert!(one_pass.iter().filter(|g| !g.is_empty()).count() > 20);
            // Aligned (8), unaligned (3, 10: not dividing 37) and one block (37, 64).
            for block in [3, 8, 10, 37, 64] {
                let out = net.blockwise_gradients(&graph, block, weight).unwrap();
                assert_eq!(out.num_blocks, 37usize.div_ceil(block));
                let evaluated = net.blockwise_log_likelihood(&graph, block).unwrap();
                assert!(
                    (evaluated - one_pass_ll).abs() < 1e-4 * one_pass_ll.abs(),
                    "bits {bits} block {block}: evaluation {evaluated} vs {one_pass_ll}"
                );
                assert!(
                    (out.log_likelihood - one_pass_ll).abs() < 1e-4 * one_pass_ll.abs(),
                    "bits {bits} block {block}: {} vs {one_pass_ll}",
                    out.log_likelihood
                );
                let blockwise = all_gradients(&net, &out.gradients);
                assert_eq!(blockwise.len(), one_pass.len());
                for (k, (a, b)) in one_pass.iter().zip(&blockwise).enumerate() {
                    assert_eq!(a.len(), b.len(), "bits {bits} block {block}: parameter {k}");
                    let diff = norm(a.iter().zip(b).map(|(x, y)| x - y));
                    let scale = norm(a.iter().copied());
                    assert!(
                        diff <= 1e-4 * scale + 1e-7,
                        "bits {bits} block {block}: parameter {k} differs by {diff} (norm {scale})"
                    );
                }
            }
        }
    }

    #[test]
    fn blockwise_gradients_check_their_input() {
        let device = device_from_name("flex").unwrap();
        device.seed(1);
        let config = BiggConfig::new().with_embed_dim(8).with_bits_compress(4);
        let graph = random_graph(12, 0.3, 2);
        let plain = BiggNet::new(&config, &device).unwrap();
        assert!(plain.blockwise_gradients(&graph, 4, -1.0).is_err());
        let net = BiggNet::new(&config, &device.clone().autodiff()).unwrap();
        assert!(net.blockwise_gradients(&graph, 0, -1.0).is_err());
        assert!(net.blockwise_log_likelihood(&graph, 0).is_err());
        assert!(plain.blockwise_log_likelihood(&graph, 4).is_ok());
        assert!(net.blockwise_gradients(&graph, 4, f64::NAN).is_err());
        net.blockwise_gradients(&graph, 4, -1.0).unwrap();
        // A block after the first needs the Fenwick states of the rows before it.
        let later = BatchPlan::build_block(&graph, 5..9, 4).unwrap();
        assert!(net.log_likelihood_batched(&later).is_err());
        let first = BatchPlan::build_block(&graph, 0..5, 4).unwrap();
        assert!(plain.log_likelihood_batched(&first).is_ok());
        assert!(BatchPlan::build_block(&graph, 5..5, 4).is_err());
        assert!(BatchPlan::build_block(&graph, 5..13, 4).is_err());
    }

    #[test]
    fn samples_are_simple_graphs_and_reproducible() {
        let device = device_from_name("flex").unwrap();
        device.seed(1);
        let config = BiggConfig::new().with_embed_dim(8).with_bits_compress(4);
        let net = BiggNet::new(&config, &device).unwrap();
        let g1 = net
            .sample_graph(30, 0.0, &mut StdRng::seed_from_u64(5))
            .unwrap();
        let g2 = net
            .sample_graph(30, 0.0, &mut StdRng::seed_from_u64(5))
            .unwrap();
        assert_eq!(g1, g2);
        assert_eq!(g1.num_nodes(), 30);
        assert!(g1.row(0).is_empty());
        // The sampled graph is a valid ordered graph (each row's columns below the row).
        for i in 0..30 {
            assert!(g1.row(i).iter().all(|&j| j < i));
        }
        let mut rows = Vec::new();
        let stopped = net.sample_graph_with(30, 0.0, &mut StdRng::seed_from_u64(5), |i| {
            rows.push(i);
            if i == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert!(stopped.is_err());
        assert_eq!(rows, vec![0, 1, 2, 3]);
        assert!(
            net.sample_graph(5, 1.5, &mut StdRng::seed_from_u64(5))
                .is_err()
        );
        assert!(
            net.sample_graph(0, 0.0, &mut StdRng::seed_from_u64(5))
                .is_err()
        );
    }

    #[test]
    fn greedy_decoding_is_deterministic() {
        let device = device_from_name("flex").unwrap();
        device.seed(2);
        let config = BiggConfig::new().with_embed_dim(8).with_bits_compress(0);
        let net = BiggNet::new(&config, &device).unwrap();
        let a = net
            .sample_graph(12, 1.0, &mut StdRng::seed_from_u64(1))
            .unwrap();
        let b = net
            .sample_graph(12, 1.0, &mut StdRng::seed_from_u64(99))
            .unwrap();
        assert_eq!(a, b);
    }
}
