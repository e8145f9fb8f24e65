//! # gsl-mb
//!
//! Model-based graph structure learning: graphical lasso, smooth-signal (log and l2) models,
//! large-scale log model, diffusion/deconvolution, kNN/ANN and covariance graphs, each written
//! once as a step `A[i+1] = h(A[i], S(X))` and driven to convergence, batched on the device.
//!
//! This crate is being built (issue "gsl-mb"); it exports nothing yet.
