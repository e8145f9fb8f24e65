//! # gsl-flex
//!
//! Structure learning for large and growing graphs (GraphFLEx): clustering × coarsening ×
//! learning, with incremental addition of new nodes.
//!
//! This crate is being built (a later issue); it exports nothing yet.
