//! The recurrent cells of BiGG (`bigg/common/pytorch_util.py`, PyTorch `nn.LSTMCell`) and its
//! positional encoding (`bigg/torch_ops/tensor_ops.py`).

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::{Device, Tensor, TensorData, activation};

/// An LSTM state: hidden `h` and cell `c`, both `[B, d]`.
#[derive(Debug, Clone)]
pub struct State {
    /// Hidden state.
    pub h: Tensor<2>,
    /// Cell state.
    pub c: Tensor<2>,
}

impl State {
    /// Rows `ids` of both parts.
    pub fn select(&self, ids: burn::tensor::Tensor<1, burn::tensor::Int>) -> Self {
        Self {
            h: self.h.clone().select(0, ids.clone()),
            c: self.c.clone().select(0, ids),
        }
    }

    /// Stacks states along the batch dimension.
    pub fn cat(parts: Vec<State>) -> Self {
        let (h, c): (Vec<_>, Vec<_>) = parts.into_iter().map(|s| (s.h, s.c)).unzip();
        Self {
            h: Tensor::cat(h, 0),
            c: Tensor::cat(c, 0),
        }
    }

    /// Adds `x` to both parts (BiGG adds the positional encoding to `h` and `c`).
    pub fn add_both(self, x: Tensor<2>) -> Self {
        Self {
            h: self.h + x.clone(),
            c: self.c + x,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.h.dims()[0]
    }
}

/// PyTorch's `nn.LSTMCell` (gates `i, f, g, o`; separate input and hidden biases), with
/// PyTorch's initialisation `U(−1/√d, 1/√d)`.
#[derive(Module, Debug)]
pub struct LstmCell {
    pub(super) input: Linear,
    pub(super) hidden: Linear,
}

impl LstmCell {
    /// A cell with input and hidden width `dim`.
    pub fn new(dim: usize, device: &Device) -> Self {
        Self {
            input: LinearConfig::new(dim, 4 * dim).init(device),
            hidden: LinearConfig::new(dim, 4 * dim).init(device),
        }
    }

    /// One step: `x` `[B, d]`, state `[B, d]` → new state.
    pub fn forward(&self, x: Tensor<2>, state: &State) -> State {
        self.forward_with_input_term(self.input_term(x), state)
    }

    /// The input's contribution to the gates, `W_ih x + b_ih` (`[B, 4d]`): callers whose
    /// inputs come from a small table precompute it once.
    pub fn input_term(&self, x: Tensor<2>) -> Tensor<2> {
        self.input.forward(x)
    }

    /// One step from a precomputed [`LstmCell::input_term`].
    pub fn forward_with_input_term(&self, input_term: Tensor<2>, state: &State) -> State {
        let gates = input_term + self.hidden.forward(state.h.clone());
        let mut parts = gates.chunk(4, 1).into_iter();
        let mut next = || parts.next().expect("four gate blocks");
        let (i, f, g, o) = (next(), next(), next(), next());
        let c =
            activation::sigmoid(f) * state.c.clone() + activation::sigmoid(i) * activation::tanh(g);
        let h = activation::sigmoid(o) * activation::tanh(c.clone());
        State { h, c }
    }
}

/// BiGG's `BinaryTreeLSTMCell`: a Tree-LSTM (Tai et al. 2015) over two children whose five
/// gates (`i`, `o`, `u`, `f_left`, `f_right`) are each an MLP `2d → 4d → d` with an ELU hidden
/// layer. As in BiGG, the forget gates end in `tanh` (not a sigmoid): `act_last='tanh'`.
///
/// The five first layers are stored as one `2d → 20d` linear map and the five second layers as
/// one batched `[5, 4d, d]` weight: the same function as five separate MLPs, in two matmuls.
#[derive(Module, Debug)]
pub struct BinaryTreeLstm {
    pub(super) hidden: Linear,
    pub(super) out_weight: Param<Tensor<3>>,
    pub(crate) out_bias: Param<Tensor<3>>,
}

impl BinaryTreeLstm {
    /// A cell of width `dim`; every linear layer has PyTorch's default initialisation
    /// `U(−1/√fan_in, 1/√fan_in)` (BiGG does not re-initialise its cells).
    pub fn new(dim: usize, device: &Device) -> Self {
        let bound = 1.0 / ((4 * dim) as f64).sqrt();
        let init = Initializer::Uniform {
            min: -bound,
            max: bound,
        };
        Self {
            hidden: LinearConfig::new(2 * dim, 20 * dim).init(device),
            out_weight: init.init([5, 4 * dim, dim], device),
            out_bias: init.init([5, 1, dim], device),
        }
    }

    /// Merges `left` and `right` (`[B, d]` each) into their parent state.
    pub fn forward(&self, left: &State, right: &State) -> State {
        let [b, d] = left.h.dims();
        let x = Tensor::cat(vec![left.h.clone(), right.h.clone()], 1);
        let hidden = activation::elu(self.hidden.forward(x), 1.0)
            .reshape([b, 5, 4 * d])
            .swap_dims(0, 1);
        let gates = hidden.matmul(self.out_weight.val()) + self.out_bias.val();
        let mut parts = gates.chunk(5, 0).into_iter().map(|g| g.reshape([b, d]));
        let mut next = || parts.next().expect("five gate blocks");
        let (i, o, u, f_left, f_right) = (next(), next(), next(), next(), next());
        let c = activation::sigmoid(i) * activation::tanh(u)
            + activation::tanh(f_left) * left.c.clone()
            + activation::tanh(f_right) * right.c.clone();
        let h = activation::sigmoid(o) * activation::tanh(c.clone());
        State { h, c }
    }
}

/// Sinusoidal positional encoding (Vaswani et al. 2017, §3.5): entry `k` of position `p` is
/// `sin(p · base^{−2⌊k/2⌋/d} + (k mod 2)·π/2)`, i.e. sines on even and cosines on odd entries.
///
/// BiGG's `PosEncoding` divides the position by `base^{−2⌊k/2⌋/d}` (so it multiplies by the
/// frequency's inverse); we use the published formula, which keeps the arguments small enough
/// for f32.
#[derive(Debug, Clone, PartialEq)]
pub struct PosEncoding {
    frequencies: Vec<f64>,
}

impl PosEncoding {
    /// The encoding of width `dim` with base `base`.
    pub fn new(dim: usize, base: f64) -> Self {
        let frequencies = (0..dim)
            .map(|k| base.powf(-(((k - k % 2) as f64) / dim as f64)))
            .collect();
        Self { frequencies }
    }

    /// The encodings of `positions`, `[positions.len(), d]`.
    pub fn encode(&self, positions: &[usize], device: &Device) -> Tensor<2> {
        let d = self.frequencies.len();
        let mut out = vec![0.0; positions.len() * d];
        for (&p, row) in positions.iter().zip(out.chunks_mut(d)) {
            self.encode_into(p, row);
        }
        Tensor::from_data(TensorData::new(out, [positions.len(), d]), device)
    }

    /// Writes the encoding of `position` into `out` (`d` entries): the host sampler's copy of
    /// [`PosEncoding::encode`], value for value.
    pub fn encode_into(&self, position: usize, out: &mut [f32]) {
        for ((k, f), o) in self.frequencies.iter().enumerate().zip(out) {
            let shift = if k % 2 == 1 {
                std::f64::consts::FRAC_PI_2
            } else {
                0.0
            };
            *o = (position as f64 * f + shift).sin() as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gsl_core::device::device_from_name;
    use gsl_core::tensor::to_vec_f32;

    #[test]
    fn lstm_cell_matches_the_gate_equations() {
        let device = device_from_name("flex").unwrap();
        let cell = LstmCell::new(3, &device);
        let x = Tensor::<2>::from_floats([[0.3, -0.2, 0.5]], &device);
        let s = State {
            h: Tensor::from_floats([[0.1, 0.0, -0.4]], &device),
            c: Tensor::from_floats([[1.0, -1.0, 0.5]], &device),
        };
        let out = cell.forward(x.clone(), &s);
        // Reference: the same equations on the host.
        let gates = to_vec_f32(cell.input.forward(x) + cell.hidden.forward(s.h.clone()));
        let sig = |v: f32| 1.0 / (1.0 + (-v).exp());
        let c0 = [1.0f32, -1.0, 0.5];
        let (mut h_ref, mut c_ref) = (vec![], vec![]);
        for k in 0..3 {
            let (i, f, g, o) = (gates[k], gates[3 + k], gates[6 + k], gates[9 + k]);
            let c = sig(f) * c0[k] + sig(i) * g.tanh();
            c_ref.push(c);
            h_ref.push(sig(o) * c.tanh());
        }
        for (a, b) in to_vec_f32(out.h).iter().zip(&h_ref) {
            assert!((a - b).abs() < 1e-6);
        }
        for (a, b) in to_vec_f32(out.c).iter().zip(&c_ref) {
            assert!((a - b).abs() < 1e-6);
        }
    }

    #[test]
    fn tree_lstm_is_five_separate_gate_mlps() {
        let device = device_from_name("flex").unwrap();
        let d = 2;
        let cell = BinaryTreeLstm::new(d, &device);
        let l = State {
            h: Tensor::from_floats([[0.2, -0.1], [0.0, 0.3]], &device),
            c: Tensor::from_floats([[0.5, 0.5], [-1.0, 0.2]], &device),
        };
        let r = State {
            h: Tensor::from_floats([[-0.3, 0.4], [0.1, 0.1]], &device),
            c: Tensor::from_floats([[0.1, -0.2], [0.3, 0.0]], &device),
        };
        let out = cell.forward(&l, &r);
        let x = Tensor::cat(vec![l.h.clone(), r.h.clone()], 1);
        let hidden = to_vec_f32(activation::elu(cell.hidden.forward(x), 1.0)); // [2, 20d]
        let w = to_vec_f32(cell.out_weight.val()); // [5, 4d, d]
        let bias = to_vec_f32(cell.out_bias.val()); // [5, 1, d]
        let (lc, rc) = (to_vec_f32(l.c), to_vec_f32(r.c));
        let got_h = to_vec_f32(out.h);
        let got_c = to_vec_f32(out.c);
        let sig = |v: f32| 1.0 / (1.0 + (-v).exp());
        for b in 0..2 {
            // Gate g of sample b: its own 4d hidden block times its own weight.
            let gate = |g: usize, k: usize| {
                let mut acc = bias[g * d + k];
                for j in 0..4 * d {
                    acc += hidden[b * 20 * d + g * 4 * d + j] * w[g * 4 * d * d + j * d + k];
                }
                acc
            };
            for k in 0..d {
                let c = sig(gate(0, k)) * gate(2, k).tanh()
                    + gate(3, k).tanh() * lc[b * d + k]
                    + gate(4, k).tanh() * rc[b * d + k];
                let h = sig(gate(1, k)) * c.tanh();
                assert!((got_c[b * d + k] - c).abs() < 1e-5);
                assert!((got_h[b * d + k] - h).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn positional_encoding_is_sine_and_cosine() {
        let device = device_from_name("flex").unwrap();
        let pe = PosEncoding::new(4, 100.0);
        let v = to_vec_f32(pe.encode(&[0, 3], &device));
        // Position 0: sin 0, cos 0, sin 0, cos 0.
        assert_eq!(&v[..4], &[0.0, 1.0, 0.0, 1.0]);
        // Position 3: frequencies 1, 1, 100^{-1/2}, 100^{-1/2}.
        let expected = [3f64.sin(), 3f64.cos(), 0.3f64.sin(), 0.3f64.cos()];
        for (a, b) in v[4..].iter().zip(expected) {
            assert!((*a as f64 - b).abs() < 1e-6);
        }
    }
}
