//! # gsl-unroll
//!
//! Unrolled graph structure learning: deep networks whose layers are the iterations of a
//! `gsl-mb` solver with learnable parameters (GLAD, GDN, L2G), plus GNN baselines.
//!
//! This crate is being built (issue "gsl-unroll"); it exports nothing yet.
