//! # gsl-cluster
//!
//! Attributed graph clustering: spectral and k-means heads, non-parametric propagation methods
//! (SGC, SSGC, NAFS, SAGSC, S2CAG), Node2Vec, and deep methods (GAE/VGAE, ARGA, DGI, DMoN, …),
//! with the clustering metrics (ACC, NMI, ARI, F1, modularity).
//!
//! This crate is being built (issue "gsl-cluster"); it exports nothing yet.
