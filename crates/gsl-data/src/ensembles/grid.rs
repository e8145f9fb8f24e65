//! Two-dimensional grid graphs.

use gsl_core::{EdgeList, Result};

use super::{Generator, check_at_least, undirected};

/// The `rows × cols` 4-neighbour lattice (networkx `grid_2d_graph`), node `(i, j)` numbered
/// `i·cols + j`. It has `2·rows·cols − rows − cols` edges and does not depend on the seed.
///
/// ```
/// use gsl_data::ensembles::{Generator, Grid2d};
/// # fn main() -> gsl_core::Result<()> {
/// let g = Grid2d::new(3, 4).sample(0)?;
/// assert_eq!(g.num_edges(), 2 * (2 * 12 - 3 - 4));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Grid2d {
    /// Number of rows (≥ 1).
    pub rows: usize,
    /// Number of columns (≥ 1).
    pub cols: usize,
}

impl Default for Grid2d {
    /// 10 × 10, the smallest grid of GRAN's grid dataset (i, j ∈ [10, 20)).
    fn default() -> Self {
        Self::new(10, 10)
    }
}

impl Grid2d {
    /// A `rows × cols` grid.
    pub fn new(rows: usize, cols: usize) -> Self {
        Self { rows, cols }
    }
}

impl Generator for Grid2d {
    fn validate(&self) -> Result<()> {
        check_at_least("rows", self.rows, 1)?;
        check_at_least("cols", self.cols, 1)
    }

    fn sample(&self, _seed: u64) -> Result<EdgeList> {
        self.validate()?;
        let (r, c) = (self.rows, self.cols);
        let mut pairs = Vec::with_capacity(2 * r * c);
        for i in 0..r {
            for j in 0..c {
                let v = i * c + j;
                if j + 1 < c {
                    pairs.push((v, v + 1));
                }
                if i + 1 < r {
                    pairs.push((v, v + c));
                }
            }
        }
        undirected(r * c, &pairs)
    }
}
