//! Segment operations: reductions over groups of rows that share a segment id (the edges leaving
//! one node, the nodes of one graph in a batch).

use burn::tensor::{IndexingUpdateOp, Int, Tensor};

use crate::error::{GslError, Result};
use crate::tensor::ensure_finite;

/// Softmax of `scores` `[E, H]` within each segment: for every column `h` and every row `e`,
/// `out[e, h] = exp(scores[e, h]) / Σ_{e' : segment[e'] = segment[e]} exp(scores[e', h])`.
///
/// `segment` `[E]` gives each row's segment id in `0..num_segments`; rows need not be sorted.
/// Used for attention over a node's neighbourhood (GAT, Veličković et al. 2018, eq. 2) with
/// `segment = graph.src()`. Gradients flow to `scores`. Every segment's entries sum to one per
/// column; empty segments simply have no entries.
///
/// The per-segment maximum is subtracted before `exp` for numerical stability. It is computed
/// on a detached copy: softmax is invariant to a per-segment shift, so the shift needs no
/// gradient (and the `Max` scatter has none).
///
/// # Errors
/// Shape mismatch between `scores` and `segment`, segment ids outside `0..num_segments`,
/// non-finite scores, or `num_segments == 0` with a non-empty input.
///
/// # Example
/// ```
/// use burn::tensor::{Int, Tensor};
/// use gsl_core::nn::segment_softmax;
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let scores = Tensor::<2>::from_floats([[0.0], [0.0], [2.0]], &device);
/// let segment = Tensor::<1, Int>::from_ints([0, 0, 1], &device);
/// let p = gsl_core::tensor::to_vec_f32(segment_softmax(scores, segment, 2)?);
/// assert!((p[0] - 0.5).abs() < 1e-6 && (p[1] - 0.5).abs() < 1e-6);
/// assert!((p[2] - 1.0).abs() < 1e-6);
/// # Ok(())
/// # }
/// ```
pub fn segment_softmax(
    scores: Tensor<2>,
    segment: Tensor<1, Int>,
    num_segments: usize,
) -> Result<Tensor<2>> {
    let [e, h] = scores.dims();
    let [s] = segment.dims();
    if s != e {
        return Err(GslError::shape(
            "segment_softmax segment ids",
            format!("[{e}] (one per score row)"),
            format!("[{s}]"),
        ));
    }
    if e == 0 {
        return Ok(scores);
    }
    if num_segments == 0 {
        return Err(GslError::invalid(
            "num_segments",
            "must be at least 1 when there are scores",
        ));
    }
    let min = segment.clone().min().into_scalar::<i64>();
    let max = segment.clone().max().into_scalar::<i64>();
    for id in [min, max] {
        if id < 0 || id as usize >= num_segments {
            return Err(GslError::NodeOutOfRange {
                id,
                num_nodes: num_segments,
            });
        }
    }
    ensure_finite(&scores, "segment_softmax scores")?;
    if h == 0 {
        return Ok(scores);
    }
    Ok(segment_softmax_unchecked(scores, segment, num_segments))
}

/// [`segment_softmax`] without validation. Entries equal to `-inf` get probability zero, as long
/// as their segment holds at least one finite entry (GAT uses this to mask edges out).
pub(crate) fn segment_softmax_unchecked(
    scores: Tensor<2>,
    segment: Tensor<1, Int>,
    num_segments: usize,
) -> Tensor<2> {
    let [_, h] = scores.dims();
    let device = scores.device();
    let index = segment.clone().unsqueeze_dim::<2>(1).repeat_dim(1, h);
    let seg_max = Tensor::<2>::full([num_segments, h], f32::NEG_INFINITY, &device).scatter(
        0,
        index,
        scores.clone().detach(),
        IndexingUpdateOp::Max,
    );
    let shifted = scores.sub(seg_max.select(0, segment.clone()));
    let exp = shifted.exp();
    let denom = Tensor::<2>::zeros([num_segments, h], &device).select_assign(
        0,
        segment.clone(),
        exp.clone(),
        IndexingUpdateOp::Add,
    );
    exp.div(denom.select(0, segment))
}
