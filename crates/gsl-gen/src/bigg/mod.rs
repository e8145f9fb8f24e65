//! BiGG (Dai, Nazi, Li, Dai & Schuurmans, "Scalable Deep Generative Modeling for Sparse
//! Graphs", ICML 2020).

pub mod cells;
pub mod config;
pub mod net;
pub mod tree;

pub use config::{BiggConfig, NodeOrder};
pub use net::BiggNet;
pub use tree::{BatchPlan, OrderedGraph};
