//! # gsl-unroll
//!
//! Unrolled graph structure learning: deep networks whose layers are the iterations of a
//! `gsl-mb` solver with learnable parameters, trained on pairs (observation, true graph) from
//! `gsl_data::supervised`.
//!
//! A method is only its layer ([`layer::UnrollingLayer`]: one `gsl-mb` step with learnable
//! parameters). Everything else is shared: stacking `D` layers with separate or shared
//! parameters and keeping every intermediate output ([`unrolled::Unrolled`]), the per-layer
//! discounted losses ([`loss`]), training with Adam, L2 penalty, resampling of collapsed layers,
//! pyGSL's threshold protocol, per-epoch metrics (mean ± standard error over graphs), early
//! stopping and atomic checkpoints ([`train`]).
//!
//! - [`layer`]: the layer trait and host-seeded parameter initialisers;
//! - [`unrolled`]: the stack of layers;
//! - [`loss`]: se / nse / ae / hinge / bce losses and the layer weightings of pyGSL, L2G, GLAD;
//! - [`train`]: training, threshold selection, evaluation, checkpoints;
//! - [`glad`]: GLAD (λ- and ρ-networks around GLAD's alternating-minimisation step);
//! - [`gdn`]: GDN (truncated proximal-gradient deconvolution, multi-channel);
//! - [`l2g`]: the unrolled primal–dual splitting of the log model (L2G's "Unrolling") and the
//!   full L2G whose last layer is the TopoDiffVAE;
//! - [`topovae`]: TopoDiffVAE (graph-convolution encoder of topology differences, MLP decoder);
//! - [`gnn`]: the GCN and GIN graph-learning baselines (degree features, inner-product decoder,
//!   BCE), as depth-1 layers of the same framework;
//! - [`plot`]: per-layer plots (every layer's estimate of one graph next to the true graph, PNG).
//!
//! ## Example
//!
//! ```
//! use gsl_data::supervised::{Recipe, SplitSizes};
//! use gsl_unroll::l2g::{L2gLayer, L2gSpec};
//! use gsl_unroll::train::{TrainConfig, train};
//! use gsl_unroll::unrolled::{UnrollConfig, Unrolled};
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?.autodiff();
//! // A tiny L2G BA20 set: 8 training, 4 validation, 4 test graphs of 200 signals.
//! let data = Recipe::l2g_ba20(SplitSizes::new(8, 4, 4), 200, 0).build(&device)?;
//! let model = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(3), &device)?;
//! let mut config = TrainConfig::new(2);
//! config.batch_size = 4;
//! let (_model, report) = train(model, &data, &config, &device, |_| {})?;
//! assert_eq!(report.epochs.len(), 2);
//! assert!(report.test.unwrap().gmse.mean.is_finite());
//! # Ok(())
//! # }
//! ```

pub mod gdn;
pub mod glad;
pub mod gnn;
pub mod l2g;
pub mod layer;
pub mod loss;
pub mod plot;
pub mod topovae;
pub mod train;
pub mod unrolled;
