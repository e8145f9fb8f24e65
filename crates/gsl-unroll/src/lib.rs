//! # gsl-unroll
//!
//! Unrolled graph structure learning.
