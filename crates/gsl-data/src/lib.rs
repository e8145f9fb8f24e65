//! # gsl-data
//!
//! Data for gsl: synthetic graph ensembles (Erdős–Rényi, SBM, Barabási–Albert, grids, trees),
//! smooth-signal models, supervised (signals, graph) datasets, real-data loaders and splits.
//!
//! - [`loaders`]: real data — Planetoid pickles, Shchur-style `.npz`, TU and DGCNN graph
//!   collections, edge lists, dense/feature matrices (`.npy`, `.csv`) and the dataset registry
//!   (`load("cora", &device)`, files under `GSL_DATA_DIR`).

pub mod loaders;
