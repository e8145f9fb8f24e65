//! Clustering metrics: label agreement (ACC and macro-F1 after Hungarian matching, NMI, ARI,
//! homogeneity, completeness) and graph structure (modularity, two conductances).
//!
//! Everything is computed on the host from one pass over the labels (a `K_true × K_pred`
//! contingency table) or one pass over the edges, so memory is `O(N + E + K²)`: no `N × N`
//! matrix is ever formed. The conventions follow PyAGC's `label_metrics` / `structure_metrics`
//! (which call scikit-learn and follow DMoN's `metrics.py`); the fixtures of the tests hold
//! scikit-learn and networkx values.
//!
//! ```
//! use gsl_cluster::metrics::{accuracy, nmi};
//!
//! # fn main() -> gsl_core::Result<()> {
//! // The same partition with the cluster ids permuted: perfect scores.
//! let truth = [0, 0, 1, 1, 2, 2];
//! let pred = [2, 2, 0, 0, 1, 1];
//! assert_eq!(accuracy(&truth, &pred)?, 1.0);
//! assert!((nmi(&truth, &pred)? - 1.0).abs() < 1e-12);
//! # Ok(())
//! # }
//! ```

use gsl_core::{EdgeList, GslError, Result};
use serde::{Deserialize, Serialize};

/// A `K_true × K_pred` contingency table: `counts[t * cols + p]` nodes have true class `t` and
/// predicted cluster `p`. Labels are compacted to `0..K` in increasing order of their value
/// (numpy's `unique`), so absent ids do not create empty rows or columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Contingency {
    /// Number of distinct true classes.
    pub rows: usize,
    /// Number of distinct predicted clusters.
    pub cols: usize,
    /// Row-major counts.
    pub counts: Vec<u64>,
    /// The original value of every compacted true class.
    pub row_labels: Vec<usize>,
    /// The original value of every compacted predicted cluster.
    pub col_labels: Vec<usize>,
}

impl Contingency {
    /// Builds the table in one pass over the labels.
    ///
    /// Errors: labelings of different lengths ([`GslError::ShapeMismatch`]) or empty ones
    /// ([`GslError::InvalidArgument`]).
    pub fn new(truth: &[usize], pred: &[usize]) -> Result<Self> {
        check_labelings(truth, pred)?;
        let (row_of, row_labels) = compact(truth);
        let (col_of, col_labels) = compact(pred);
        let (rows, cols) = (row_labels.len(), col_labels.len());
        let mut counts = vec![0u64; rows * cols];
        for (&r, &c) in row_of.iter().zip(&col_of) {
            counts[r * cols + c] += 1;
        }
        Ok(Self {
            rows,
            cols,
            counts,
            row_labels,
            col_labels,
        })
    }

    /// Number of labelled items.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Row sums (class sizes).
    pub fn row_sums(&self) -> Vec<u64> {
        (0..self.rows)
            .map(|r| self.counts[r * self.cols..(r + 1) * self.cols].iter().sum())
            .collect()
    }

    /// Column sums (cluster sizes).
    pub fn col_sums(&self) -> Vec<u64> {
        let mut sums = vec![0u64; self.cols];
        for r in 0..self.rows {
            for (s, &v) in sums
                .iter_mut()
                .zip(&self.counts[r * self.cols..(r + 1) * self.cols])
            {
                *s += v;
            }
        }
        sums
    }

    /// The one-to-one map from predicted clusters to true classes that maximises the number of
    /// agreeing items (Hungarian algorithm on the table). Entry `p` is the compacted true class
    /// matched to compacted cluster `p`, or `None` when there are more clusters than classes and
    /// `p` is left over.
    pub fn matching(&self) -> Vec<Option<usize>> {
        // Rows of the assignment problem must not outnumber its columns: assign the smaller
        // side to the larger one, maximising counts = minimising (max − count).
        let max = self.counts.iter().copied().max().unwrap_or(0) as f64;
        let at = |t: usize, p: usize| max - self.counts[t * self.cols + p] as f64;
        let mut map = vec![None; self.cols];
        if self.cols <= self.rows {
            let cost: Vec<f64> = (0..self.cols)
                .flat_map(|p| (0..self.rows).map(move |t| at(t, p)))
                .collect();
            for (p, t) in hungarian(&cost, self.cols, self.rows)
                .into_iter()
                .enumerate()
            {
                map[p] = Some(t);
            }
        } else {
            let cost: Vec<f64> = (0..self.rows)
                .flat_map(|t| (0..self.cols).map(move |p| at(t, p)))
                .collect();
            for (t, p) in hungarian(&cost, self.rows, self.cols)
                .into_iter()
                .enumerate()
            {
                map[p] = Some(t);
            }
        }
        map
    }
}

fn check_labelings(truth: &[usize], pred: &[usize]) -> Result<()> {
    if truth.len() != pred.len() {
        return Err(GslError::shape(
            "clustering metrics: pred must have one label per item of truth",
            truth.len(),
            pred.len(),
        ));
    }
    if truth.is_empty() {
        return Err(GslError::invalid("truth", "no labelled items"));
    }
    Ok(())
}

/// Maps labels to `0..K` in increasing order of value; returns the codes and the values.
fn compact(labels: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mut values: Vec<usize> = labels.to_vec();
    values.sort_unstable();
    values.dedup();
    let codes = labels
        .iter()
        .map(|l| values.binary_search(l).expect("value is present"))
        .collect();
    (codes, values)
}

/// Minimum-cost assignment of `rows` rows to distinct columns of a row-major `rows × cols` cost
/// matrix with `rows <= cols`; entry `i` of the result is the column of row `i`.
///
/// The Hungarian algorithm with potentials and augmenting shortest paths (Kuhn 1955; Munkres
/// 1957; the `O(rows² · cols)` form of Jonker & Volgenant 1987). Callers guarantee the sizes.
pub fn hungarian(cost: &[f64], rows: usize, cols: usize) -> Vec<usize> {
    assert!(rows <= cols && cost.len() == rows * cols);
    // 1-based arrays; column 0 and row 0 are the virtual start of every augmenting path.
    let a = |i: usize, j: usize| cost[(i - 1) * cols + (j - 1)];
    let mut u = vec![0.0f64; rows + 1];
    let mut v = vec![0.0f64; cols + 1];
    let mut p = vec![0usize; cols + 1]; // row matched to column j
    let mut way = vec![0usize; cols + 1];
    for i in 1..=rows {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![f64::INFINITY; cols + 1];
        let mut used = vec![false; cols + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = f64::INFINITY;
            let mut j1 = 0;
            for j in 1..=cols {
                if !used[j] {
                    let cur = a(i0, j) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=cols {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        // Flip the augmenting path.
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut assignment = vec![0usize; rows];
    for j in 1..=cols {
        if p[j] != 0 {
            assignment[p[j] - 1] = j - 1;
        }
    }
    assignment
}

/// The predictions relabelled by the Hungarian matching: cluster `p` becomes the (original)
/// true label it is matched to; left-over clusters (more clusters than classes) get fresh
/// labels above every true label, so they count as errors.
pub fn matched_predictions(truth: &[usize], pred: &[usize]) -> Result<Vec<usize>> {
    let table = Contingency::new(truth, pred)?;
    let map = table.matching();
    let fresh_base = table.row_labels.last().copied().unwrap_or(0) + 1;
    let mut next_fresh = fresh_base;
    let label_of: Vec<usize> = map
        .iter()
        .map(|m| match m {
            Some(t) => table.row_labels[*t],
            None => {
                next_fresh += 1;
                next_fresh - 1
            }
        })
        .collect();
    Ok(pred
        .iter()
        .map(|l| label_of[table.col_labels.binary_search(l).expect("present")])
        .collect())
}

/// Clustering accuracy: the fraction of items whose cluster, mapped to a class by the
/// Hungarian matching of the contingency table, is their true class.
pub fn accuracy(truth: &[usize], pred: &[usize]) -> Result<f64> {
    let table = Contingency::new(truth, pred)?;
    let correct: u64 = table
        .matching()
        .iter()
        .enumerate()
        .filter_map(|(p, t)| t.map(|t| table.counts[t * table.cols + p]))
        .sum();
    Ok(correct as f64 / table.total() as f64)
}

/// Macro-averaged F1 of the Hungarian-matched predictions (scikit-learn's
/// `f1_score(average="macro")` with `zero_division=0`): the mean over every label that occurs in
/// the truth or in the mapped predictions of `2·TP / (2·TP + FP + FN)`.
pub fn macro_f1(truth: &[usize], pred: &[usize]) -> Result<f64> {
    let mapped = matched_predictions(truth, pred)?;
    let table = Contingency::new(truth, &mapped)?;
    let (row_sums, col_sums) = (table.row_sums(), table.col_sums());
    let mut labels: Vec<usize> = table
        .row_labels
        .iter()
        .chain(&table.col_labels)
        .copied()
        .collect();
    labels.sort_unstable();
    labels.dedup();
    let mut total = 0.0;
    for &label in &labels {
        let r = table.row_labels.binary_search(&label).ok();
        let c = table.col_labels.binary_search(&label).ok();
        let tp = match (r, c) {
            (Some(r), Some(c)) => table.counts[r * table.cols + c],
            _ => 0,
        };
        let support = r.map_or(0, |r| row_sums[r]);
        let predicted = c.map_or(0, |c| col_sums[c]);
        let denom = support + predicted;
        if denom > 0 {
            total += 2.0 * tp as f64 / denom as f64;
        }
    }
    Ok(total / labels.len() as f64)
}

/// Entropy (natural log) of a distribution given by counts summing to `n`.
fn entropy(counts: &[u64], n: f64) -> f64 {
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.ln()
        })
        .sum()
}

/// Entropies and mutual information of a table: `(H(truth), H(pred), I(truth; pred))`.
fn information(table: &Contingency) -> (f64, f64, f64) {
    let n = table.total() as f64;
    let (rows, cols) = (table.row_sums(), table.col_sums());
    let mut mi = 0.0;
    for (r, &row_sum) in rows.iter().enumerate() {
        for (c, &col_sum) in cols.iter().enumerate() {
            let nij = table.counts[r * table.cols + c];
            if nij > 0 {
                let nij = nij as f64;
                mi += nij / n * (nij * n / (row_sum as f64 * col_sum as f64)).ln();
            }
        }
    }
    (entropy(&rows, n), entropy(&cols, n), mi.max(0.0))
}

/// Normalised mutual information with the arithmetic-mean normaliser (scikit-learn's default):
/// `I(T; P) / ((H(T) + H(P)) / 2)`. Two single-cluster labelings score 1; an `I` of zero
/// scores 0.
pub fn nmi(truth: &[usize], pred: &[usize]) -> Result<f64> {
    let table = Contingency::new(truth, pred)?;
    if table.rows == 1 && table.cols == 1 {
        return Ok(1.0);
    }
    let (ht, hp, mi) = information(&table);
    if mi <= 0.0 {
        return Ok(0.0);
    }
    Ok(mi / ((ht + hp) / 2.0).max(f64::EPSILON))
}

/// Homogeneity (Rosenberg & Hirschberg 2007): `I(T; P) / H(T)`, 1 when every cluster holds a
/// single class (and when there is a single class).
pub fn homogeneity(truth: &[usize], pred: &[usize]) -> Result<f64> {
    let (ht, _, mi) = information(&Contingency::new(truth, pred)?);
    Ok(if ht == 0.0 { 1.0 } else { mi / ht })
}

/// Completeness (Rosenberg & Hirschberg 2007): `I(T; P) / H(P)`, 1 when every class lies in a
/// single cluster (and when there is a single cluster).
pub fn completeness(truth: &[usize], pred: &[usize]) -> Result<f64> {
    let (_, hp, mi) = information(&Contingency::new(truth, pred)?);
    Ok(if hp == 0.0 { 1.0 } else { mi / hp })
}

fn pairs(n: u64) -> f64 {
    let n = n as f64;
    n * (n - 1.0) / 2.0
}

/// Adjusted Rand index (Hubert & Arabie 1985): the pair-counting Rand index corrected for
/// chance, `(Σ C(n_ij, 2) − E) / (½(Σ C(a_i, 2) + Σ C(b_j, 2)) − E)` with
/// `E = Σ C(a_i, 2) Σ C(b_j, 2) / C(n, 2)`. Identical partitions (including the degenerate
/// all-singletons / single-cluster cases, as in scikit-learn) score 1.
pub fn ari(truth: &[usize], pred: &[usize]) -> Result<f64> {
    let table = Contingency::new(truth, pred)?;
    let n = table.total();
    let index: f64 = table.counts.iter().map(|&c| pairs(c)).sum();
    let a: f64 = table.row_sums().into_iter().map(pairs).sum();
    let b: f64 = table.col_sums().into_iter().map(pairs).sum();
    let total = pairs(n);
    if total == 0.0 {
        return Ok(1.0);
    }
    let expected = a * b / total;
    let max = (a + b) / 2.0;
    if max == expected {
        return Ok(1.0);
    }
    Ok((index - expected) / (max - expected))
}

/// Checks an assignment against an edge list and returns the number of clusters.
fn check_assignment(edges: &EdgeList, assignment: &[usize]) -> Result<usize> {
    if assignment.len() != edges.num_nodes() {
        return Err(GslError::shape(
            "structure metrics: one cluster per node",
            edges.num_nodes(),
            assignment.len(),
        ));
    }
    if edges.num_edges() == 0 {
        return Err(GslError::EmptyGraph(
            "structure metrics need at least one edge".into(),
        ));
    }
    if let Some(w) = edges.weights()
        && w.iter().any(|&w| w < 0.0)
    {
        return Err(GslError::invalid(
            "edges",
            "modularity and conductance need non-negative weights",
        ));
    }
    Ok(assignment.iter().copied().max().map_or(0, |m| m + 1))
}

/// Modularity (Newman 2006) of a partition of an undirected graph stored with both directions:
/// `Q = (1/2m) Σ_c [e_cc − (Σ_{i∈c} d_i)² / 2m]`, where `2m` is the total weight of the stored
/// (directed) edges, `e_cc` the weight of stored edges inside `c` and `d_i` weighted degrees —
/// DMoN's `metrics.modularity` and PyAGC's `Mod`, equal to networkx's `modularity`.
pub fn modularity(edges: &EdgeList, assignment: &[usize]) -> Result<f64> {
    let k = check_assignment(edges, assignment)?;
    let mut inside = vec![0.0f64; k];
    let mut volume = vec![0.0f64; k];
    let mut two_m = 0.0f64;
    for (s, d, w) in edges.iter() {
        let (cs, cd) = (assignment[s], assignment[d]);
        let w = w as f64;
        two_m += w;
        volume[cs] += w;
        if cs == cd {
            inside[cs] += w;
        }
    }
    if two_m == 0.0 {
        return Err(GslError::EmptyGraph(
            "modularity needs a positive total edge weight".into(),
        ));
    }
    Ok(inside
        .iter()
        .zip(&volume)
        .map(|(e, v)| e - v * v / two_m)
        .sum::<f64>()
        / two_m)
}

/// Global conductance, as DMoN's `metrics.conductance` and PyAGC's `Cond` compute it: the
/// fraction of the stored edge weight that crosses clusters, `inter / (inter + intra)`. (Their
/// docstrings call it "average conductance"; it is not the per-cluster average, which is
/// [`average_conductance`].)
pub fn global_conductance(edges: &EdgeList, assignment: &[usize]) -> Result<f64> {
    check_assignment(edges, assignment)?;
    let (mut inter, mut total) = (0.0f64, 0.0f64);
    for (s, d, w) in edges.iter() {
        total += w as f64;
        if assignment[s] != assignment[d] {
            inter += w as f64;
        }
    }
    if total == 0.0 {
        return Err(GslError::EmptyGraph(
            "conductance needs a positive total edge weight".into(),
        ));
    }
    Ok(inter / total)
}

/// Per-cluster conductance averaged over clusters: `φ(c) = cut(c) / min(vol(c), vol(V∖c))`
/// (Kannan, Vempala & Vetta 2004; networkx's `conductance(G, S)`), where `cut(c)` is the weight
/// of edges leaving `c` and `vol` sums weighted degrees. Clusters with `min(vol) = 0` (no
/// edges, or holding every edge) have no defined conductance and are left out of the mean; if
/// none remains the result is 0.
pub fn average_conductance(edges: &EdgeList, assignment: &[usize]) -> Result<f64> {
    let k = check_assignment(edges, assignment)?;
    let mut cut = vec![0.0f64; k];
    let mut volume = vec![0.0f64; k];
    let mut total = 0.0f64;
    let mut present = vec![false; k];
    for &c in assignment {
        present[c] = true;
    }
    for (s, d, w) in edges.iter() {
        let w = w as f64;
        total += w;
        volume[assignment[s]] += w;
        if assignment[s] != assignment[d] {
            cut[assignment[s]] += w;
        }
    }
    let values: Vec<f64> = (0..k)
        .filter(|&c| present[c])
        .filter_map(|c| {
            let denom = volume[c].min(total - volume[c]);
            (denom > 0.0).then(|| cut[c] / denom)
        })
        .collect();
    Ok(if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    })
}

/// Every label and structure metric of one clustering (fractions in `[0, 1]`, not percent).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClusteringScores {
    /// Accuracy after Hungarian matching.
    pub acc: f64,
    /// Normalised mutual information (arithmetic normaliser).
    pub nmi: f64,
    /// Adjusted Rand index.
    pub ari: f64,
    /// Macro-F1 after Hungarian matching.
    pub f1: f64,
    /// Homogeneity.
    pub homogeneity: f64,
    /// Completeness.
    pub completeness: f64,
    /// Modularity, when a graph was given.
    pub modularity: Option<f64>,
    /// Global conductance (DMoN / PyAGC), when a graph was given.
    pub conductance: Option<f64>,
    /// Per-cluster average conductance, when a graph was given.
    pub avg_conductance: Option<f64>,
}

/// Computes [`ClusteringScores`] for predicted clusters `pred` of every node.
///
/// `truth` holds one label per node, `None` for unlabelled nodes: label metrics use the
/// labelled nodes only (as PyAGC does on Papers100M), structure metrics use every node.
///
/// Errors: lengths that differ from each other or from the graph, no labelled node, a graph
/// without edges or with negative weights.
pub fn evaluate(
    truth: &[Option<usize>],
    pred: &[usize],
    edges: Option<&EdgeList>,
) -> Result<ClusteringScores> {
    if truth.len() != pred.len() {
        return Err(GslError::shape(
            "evaluate: one prediction per node",
            truth.len(),
            pred.len(),
        ));
    }
    let (t, p): (Vec<usize>, Vec<usize>) = truth
        .iter()
        .zip(pred)
        .filter_map(|(t, &p)| t.map(|t| (t, p)))
        .unzip();
    let (modularity, conductance, avg_conductance) = match edges {
        Some(e) => (
            Some(modularity(e, pred)?),
            Some(global_conductance(e, pred)?),
            Some(average_conductance(e, pred)?),
        ),
        None => (None, None, None),
    };
    Ok(ClusteringScores {
        acc: accuracy(&t, &p)?,
        nmi: nmi(&t, &p)?,
        ari: ari(&t, &p)?,
        f1: macro_f1(&t, &p)?,
        homogeneity: homogeneity(&t, &p)?,
        completeness: completeness(&t, &p)?,
        modularity,
        conductance,
        avg_conductance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every assignment of a small cost matrix, to check the Hungarian optimum.
    fn brute_force(cost: &[f64], rows: usize, cols: usize) -> f64 {
        fn go(cost: &[f64], rows: usize, cols: usize, i: usize, used: &mut [bool]) -> f64 {
            if i == rows {
                return 0.0;
            }
            let mut best = f64::INFINITY;
            for j in 0..cols {
                if !used[j] {
                    used[j] = true;
                    best = best.min(cost[i * cols + j] + go(cost, rows, cols, i + 1, used));
                    used[j] = false;
                }
            }
            best
        }
        go(cost, rows, cols, 0, &mut vec![false; cols])
    }

    #[test]
    fn hungarian_matches_brute_force_on_random_matrices() {
        use rand::RngExt;
        let mut rng = gsl_core::train::seeded_rng(3);
        for trial in 0..200 {
            let rows = 1 + trial % 5;
            let cols = rows + trial % 3;
            let cost: Vec<f64> = (0..rows * cols)
                .map(|_| rng.random_range(0..20) as f64)
                .collect();
            let assignment = hungarian(&cost, rows, cols);
            let mut seen = assignment.clone();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), rows, "columns are distinct");
            let value: f64 = assignment
                .iter()
                .enumerate()
                .map(|(i, &j)| cost[i * cols + j])
                .sum();
            assert_eq!(value, brute_force(&cost, rows, cols), "trial {trial}");
        }
    }

    #[test]
    fn accuracy_with_more_clusters_than_classes_counts_leftovers_as_errors() {
        let truth = [0, 0, 0, 1, 1, 1];
        let pred = [0, 0, 2, 1, 1, 1];
        assert!((accuracy(&truth, &pred).unwrap() - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!(
            matched_predictions(&truth, &pred).unwrap(),
            vec![0, 0, 2, 1, 1, 1]
        );
    }

    #[test]
    fn structure_metrics_of_two_triangles_joined_by_an_edge() {
        // Triangles {0,1,2} and {3,4,5} plus the bridge 2–3: m = 7.
        let pairs = [(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5), (2, 3)];
        let edges = EdgeList::from_pairs(6, &pairs)
            .unwrap()
            .build(gsl_core::BuildOptions::default())
            .unwrap();
        let parts = [0, 0, 0, 1, 1, 1];
        // Q = Σ_c [L_c/m − (d_c/2m)²] = 2·(3/7 − (7/14)²).
        let q = modularity(&edges, &parts).unwrap();
        assert!((q - 2.0 * (3.0 / 7.0 - 0.25)).abs() < 1e-12);
        assert!((global_conductance(&edges, &parts).unwrap() - 2.0 / 14.0).abs() < 1e-12);
        assert!((average_conductance(&edges, &parts).unwrap() - 1.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn errors_for_bad_inputs() {
        assert!(matches!(
            nmi(&[0, 1], &[0]),
            Err(GslError::ShapeMismatch { .. })
        ));
        assert!(accuracy(&[], &[]).is_err());
        let edges = EdgeList::from_pairs(3, &[(0, 1)]).unwrap();
        assert!(modularity(&edges, &[0, 1]).is_err());
        let empty = EdgeList::from_pairs(3, &[]).unwrap();
        assert!(matches!(
            global_conductance(&empty, &[0, 1, 2]),
            Err(GslError::EmptyGraph(_))
        ));
    }
}
