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

pub mod ensembles;
pub mod loaders;
pub mod ordering;
pub mod signals;
pub mod splits;
pub mod supervised;
pub mod weights;
