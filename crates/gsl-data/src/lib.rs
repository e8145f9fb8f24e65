//! # gsl-data
//!
//! Data for gsl: synthetic graph ensembles (Erdős–Rényi, SBM, Barabási–Albert, grids, trees),
//! smooth-signal models, supervised (signals, graph) datasets, real-data loaders and splits.
//!
//! - [`ensembles`]: seeded random graph families (ER, BA, WS, SBM / DC-SBM, random geometric,
//!   grid, sensor, random / bifurcating / joint trees, lobster, heterophily, cycles) behind one
//!   [`ensembles::Generator`] trait, sampled in parallel, with pyGSL's resampling options;
//! - [`weights`]: edge-weight models (uniform, L2G lognormal with ΣW = N, hierarchical Gamma,
//!   Beta, softplus-normal) applied symmetrically to an edge list;
//! - [`ordering`]: BFS / DFS / canonical / weighted-DFS node orderings and relabelling;
//! - [`loaders`]: real data — Planetoid pickles, Shchur-style `.npz`, TU and DGCNN graph
//!   collections, edge lists, dense/feature matrices (`.npy`, `.csv`) and the dataset registry
//!   (`load("cora", &device)`, files under `GSL_DATA_DIR`);
//! - [`signals`]: smooth, Gaussian-smooth (L2G), diffused (GDN) and Gaussian-graphical-model
//!   (GLAD) signals batched over graphs, their covariance summaries, and attributed synthetic
//!   graphs with class-conditional Gaussian features;
//! - [`supervised`]: (observation, true graph) datasets with train/val/test splits and device
//!   batches, and the L2G, GDN, GLAD and pseudo-synthetic recipes;
//! - [`splits`]: random and Planetoid node splits, link-prediction edge splits with negative
//!   sampling, and GraphFLEx's expanding-graph stream.
//!
//! ## Example
//!
//! ```
//! use gsl_data::ensembles::{BarabasiAlbert, Generator};
//! use gsl_data::signals::{SignalModel, graph_factors};
//! use gsl_data::splits::random_node_split;
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?;
//! // Four BA graphs and 100 smooth signals x ~ N(0, (L + 1e-4 I)⁻¹) on each (L2G's model).
//! let graphs = BarabasiAlbert::new(20, 3).sample_many(4, 0)?;
//! let signals = graph_factors(&graphs, &SignalModel::l2g(), 0)?.sample(0..4, 100, 0.0, 1, &device)?;
//! assert_eq!(signals.dims(), [4, 20, 100]);
//! // A 60/20/20 node split.
//! let split = random_node_split(20, 0.6, 0.2, 2)?;
//! assert_eq!(split.train.len(), 12);
//! # Ok(())
//! # }
//! ```

pub mod ensembles;
pub mod loaders;
pub mod ordering;
pub mod signals;
pub mod splits;
pub mod supervised;
pub mod weights;
