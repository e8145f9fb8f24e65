//! # gsl-gen
//!
//! Graph generation: BiGG and its variants, DGMG, an Erdős–Rényi baseline, and the MMD
//! evaluation suite for generated graphs.
//!
//! This crate is being built (issue "gsl-gen"); it exports nothing yet.
