//! The row-parallel sparse × dense product used on Burn's Flex (CPU) backend.
//!
//! The portable [`Graph::spmm`](crate::graph::Graph::spmm) gathers `X[dst]` into an `[E, F]`
//! message tensor and scatter-adds it into the source rows. On Flex that scatter-add is one
//! serial loop over the `E·F` messages, so the product runs several times slower than a CSR
//! kernel. When the input lives on a plain (non-autodiff) Flex device, `Graph` instead sorts its
//! edges by source once ([`RowIndex`], cached in the graph) and computes each output row
//! `Y[i] = Σ_e w_e X[dst_e]` independently, rows split across the rayon pool. Flex tensors are
//! host memory, so reading `X` and writing `Y` are plain copies. Autodiff devices keep the
//! gather + scatter path, whose gradients Burn derives.

use rayon::prelude::*;

/// The edges of a graph grouped by source: edge ids in CSR order, with row offsets.
#[derive(Debug)]
pub(crate) struct RowIndex {
    /// `offsets[i]..offsets[i + 1]` are the positions of row `i` in `order` / `targets`.
    offsets: Vec<usize>,
    /// Original edge id of each CSR position (to permute per-call edge weights).
    order: Vec<u32>,
    /// Target node of each CSR position.
    targets: Vec<u32>,
}

impl RowIndex {
    /// Groups the edges `(src[e], dst[e])` of a graph on `num_nodes` nodes by source (a
    /// counting sort, stable in the edge id). Ids must already be validated as in range.
    pub(crate) fn new(num_nodes: usize, src: &[i64], dst: &[i64]) -> Self {
        let mut offsets = vec![0usize; num_nodes + 1];
        for &s in src {
            offsets[s as usize + 1] += 1;
        }
        for i in 0..num_nodes {
            offsets[i + 1] += offsets[i];
        }
        let mut next = offsets.clone();
        let mut order = vec![0u32; src.len()];
        let mut targets = vec![0u32; src.len()];
        for (e, (&s, &d)) in src.iter().zip(dst).enumerate() {
            let slot = &mut next[s as usize];
            order[*slot] = e as u32;
            targets[*slot] = d as u32;
            *slot += 1;
        }
        Self {
            offsets,
            order,
            targets,
        }
    }

    /// Number of rows (nodes).
    fn num_rows(&self) -> usize {
        self.offsets.len() - 1
    }

    /// `Y = A·X` for row-major `x` `[N, f]`; `weights` are per original edge id (`None`: ones).
    pub(crate) fn spmm(&self, x: &[f32], f: usize, weights: Option<&[f32]>) -> Vec<f32> {
        let n = self.num_rows();
        debug_assert_eq!(x.len(), n * f);
        let mut out = vec![0.0f32; n * f];
        if f == 0 || n == 0 {
            return out;
        }
        // Blocks of rows big enough to amortise rayon's task overhead (about 32k multiply-adds).
        let rows_per_task = (32_768 / f.max(1)).clamp(1, 4096);
        out.par_chunks_mut(rows_per_task * f)
            .enumerate()
            .for_each(|(block, out_block)| {
                let first = block * rows_per_task;
                for (r, y) in out_block.chunks_exact_mut(f).enumerate() {
                    let row = first + r;
                    for pos in self.offsets[row]..self.offsets[row + 1] {
                        let t = self.targets[pos] as usize;
                        let xr = &x[t * f..(t + 1) * f];
                        match weights {
                            Some(w) => {
                                let w = w[self.order[pos] as usize];
                                y.iter_mut().zip(xr).for_each(|(a, &b)| *a += w * b);
                            }
                            None => y.iter_mut().zip(xr).for_each(|(a, &b)| *a += b),
                        }
                    }
                }
            });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_collect_their_edges_in_edge_order() {
        // Edges: 0→1 (w 2), 2→0 (w 3), 0→2 (w 5), 2→2 (w 7).
        let index = RowIndex::new(3, &[0, 2, 0, 2], &[1, 0, 2, 2]);
        assert_eq!(index.offsets, vec![0, 2, 2, 4]);
        assert_eq!(index.order, vec![0, 2, 1, 3]);
        assert_eq!(index.targets, vec![1, 2, 0, 2]);
        let x = [1.0, 10.0, 2.0, 20.0, 3.0, 30.0];
        let y = index.spmm(&x, 2, Some(&[2.0, 3.0, 5.0, 7.0]));
        // Row 0: 2·x1 + 5·x2; row 1: nothing; row 2: 3·x0 + 7·x2.
        assert_eq!(y, vec![19.0, 190.0, 0.0, 0.0, 24.0, 240.0]);
        let y = index.spmm(&x, 2, None);
        assert_eq!(y, vec![5.0, 50.0, 0.0, 0.0, 4.0, 40.0]);
    }
}
