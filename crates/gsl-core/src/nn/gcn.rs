//! Graph convolution (Kipf & Welling, "Semi-Supervised Classification with Graph Convolutional
//! Networks", ICLR 2017).

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::{Device, Tensor};

use super::{check_node_features, check_widths};
use crate::error::Result;
use crate::graph::Graph;
use crate::ops::gcn_norm;

/// Hyperparameters of a [`Gcn`] layer.
#[derive(Config, Debug)]
pub struct GcnConfig {
    /// Input feature width.
    pub d_input: usize,
    /// Output feature width.
    pub d_output: usize,
    /// Add a learnable bias (initialised to zero, as in the reference implementation).
    #[config(default = true)]
    pub bias: bool,
}

impl GcnConfig {
    /// Fails unless both widths are positive.
    pub fn validate(&self) -> Result<()> {
        check_widths(
            "GcnConfig",
            &[("d_input", self.d_input), ("d_output", self.d_output)],
        )
    }

    /// Builds the layer with Glorot-uniform weights (Glorot & Bengio 2010), as in the paper.
    pub fn init(&self, device: &Device) -> Result<Gcn> {
        self.validate()?;
        let weight = Initializer::XavierUniform { gain: 1.0 }.init_with(
            [self.d_input, self.d_output],
            Some(self.d_input),
            Some(self.d_output),
            device,
        );
        let bias = self
            .bias
            .then(|| Initializer::Zeros.init([self.d_output], device));
        Ok(Gcn { weight, bias })
    }
}

/// One graph-convolution layer `H' = Â H W + b` with `Â = D̂^{-1/2} (A + I) D̂^{-1/2}`
/// (Kipf & Welling 2017, eq. 2). No activation is applied.
///
/// Edge weights of the graph are used by the normalisation. Node `i` aggregates over its stored
/// edges `(i, j)` (see the [module docs](super)).
///
/// # Example
/// ```
/// use burn::tensor::Tensor;
/// use gsl_core::nn::GcnConfig;
/// use gsl_core::{BuildOptions, EdgeList, Graph};
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let graph = Graph::from_edges(
///     &EdgeList::from_pairs(3, &[(0, 1), (1, 2)])?,
///     BuildOptions::default(),
///     &device,
/// )?;
/// let layer = GcnConfig::new(2, 4).init(&device)?;
/// // A training loop normalises once and reuses the normalised graph.
/// let norm = gsl_core::ops::gcn_norm(&graph)?;
/// let h = layer.forward_normalized(&norm, Tensor::ones([3, 2], &device))?;
/// assert_eq!(h.dims(), [3, 4]);
/// # Ok(())
/// # }
/// ```
#[derive(Module, Debug)]
pub struct Gcn {
    /// Weight `W` `[d_input, d_output]`.
    pub weight: Param<Tensor<2>>,
    /// Bias `b` `[d_output]`.
    pub bias: Option<Param<Tensor<1>>>,
}

impl Gcn {
    /// Input feature width.
    pub fn d_input(&self) -> usize {
        self.weight.dims()[0]
    }

    /// Output feature width.
    pub fn d_output(&self) -> usize {
        self.weight.dims()[1]
    }

    /// Normalises `graph` with [`gcn_norm`] and applies the layer to `x` `[N, d_input]`.
    ///
    /// # Errors
    /// Feature shape or node count mismatch, an empty graph, non-finite features.
    pub fn forward(&self, graph: &Graph, x: Tensor<2>) -> Result<Tensor<2>> {
        check_node_features(&x, graph.num_nodes(), self.d_input(), "Gcn")?;
        self.propagate(&gcn_norm(graph)?, x)
    }

    /// Applies the layer on a graph that already carries the normalised weights `Â` (e.g. from
    /// [`gcn_norm`], computed once before training); the graph is used as given.
    ///
    /// # Errors
    /// Feature shape or node count mismatch, an empty graph, non-finite features.
    pub fn forward_normalized(&self, norm_graph: &Graph, x: Tensor<2>) -> Result<Tensor<2>> {
        check_node_features(&x, norm_graph.num_nodes(), self.d_input(), "Gcn")?;
        self.propagate(norm_graph, x)
    }

    /// `Â (X W) + b` on validated input.
    fn propagate(&self, norm_graph: &Graph, x: Tensor<2>) -> Result<Tensor<2>> {
        // Project first: the sparse product then moves d_output rather than d_input columns.
        let projected = x.matmul(self.weight.val());
        let out = norm_graph.spmm(projected)?;
        Ok(match &self.bias {
            Some(b) => out.add(b.val().unsqueeze::<2>()),
            None => out,
        })
    }
}
