//! # gsl-data
//!
//! Data for gsl: synthetic graph ensembles (Erdős–Rényi, SBM, Barabási–Albert, grids, trees),
//! smooth-signal models, supervised (signals, graph) datasets, real-data loaders and splits.
//!
//! This crate is being built (issue "gsl-data"); it exports nothing yet.
