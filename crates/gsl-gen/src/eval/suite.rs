//! The evaluation suite: descriptors of two graph sets compared by MMD, plus validity rates,
//! with the kernels, σ and bins of the papers.
//!
//! | statistic | descriptor | GRAN protocol (default) | GraphRNN protocol |
//! |---|---|---|---|
//! | degree | degree histogram, normalised | `gaussian_tv`, σ = 1 | `gaussian_emd`, σ = 1 |
//! | clustering | clustering histogram, 100 bins on [0, 1], normalised | `gaussian_tv`, σ = 0.1 | `gaussian_emd`, σ = 0.1, distance / 100 |
//! | orbit | mean count of the 15 orbits per node (not normalised) | `gaussian_tv`, σ = 30 | RBF, σ = 30 |
//! | spectral | normalised-Laplacian spectrum, 200 bins on (−1e−5, 2) | `gaussian_tv`, σ = 1 | same |
//!
//! BiGG-E's weighted statistics (`mmd_stats.py`): the weighted spectrum (as `spectral`, with
//! weights), the edge-weight distribution (shared bins of width 0.01 from 0 when the smallest
//! weight is below 1, else 100 bins from min to max; `gaussian_wasserstein` with σ = √width
//! unless given, BiGG-E uses σ = 2 for its trees) and the weighted degree (bins of width equal
//! to the 1–99 % trimmed mean edge weight `w̄`, from 0; `gaussian_wasserstein`, σ = √w̄).
//!
//! Generated graphs without nodes are dropped, as GRAN and BiGG-E do; graphs without edges are
//! left out of the edge-weight statistic only.

use std::fmt;
use std::time::Instant;

use gsl_core::{GslError, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::descriptors::{
    clustering_histogram, degree_histogram, edge_weights, histogram, spectral_histogram,
    weighted_degrees,
};
use super::graph::SimpleGraph;
use super::kernels::Kernel;
use super::mmd::{MmdForm, mmd, normalize_histograms};
use super::orbits::mean_orbit_counts;
use super::validity::{Validity, validity_rate};

/// A statistic compared between the two sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Statistic {
    /// Degree distribution.
    Degree,
    /// Clustering-coefficient distribution.
    Clustering,
    /// Mean 4-node orbit counts.
    Orbit,
    /// Unweighted normalised-Laplacian spectrum.
    Spectral,
    /// Weighted normalised-Laplacian spectrum (BiGG-E).
    WeightedSpectral,
    /// Edge-weight distribution (BiGG-E's MMD-WT).
    EdgeWeight,
    /// Weighted-degree distribution (BiGG-E).
    WeightedDegree,
}

impl Statistic {
    /// The name used in tables and JSON (`degree`, `clustering`, `orbit`, `spectral`,
    /// `weighted_spectral`, `edge_weight`, `weighted_degree`).
    pub fn name(self) -> &'static str {
        match self {
            Statistic::Degree => "degree",
            Statistic::Clustering => "clustering",
            Statistic::Orbit => "orbit",
            Statistic::Spectral => "spectral",
            Statistic::WeightedSpectral => "weighted_spectral",
            Statistic::EdgeWeight => "edge_weight",
            Statistic::WeightedDegree => "weighted_degree",
        }
    }

    /// Parses [`Statistic::name`].
    pub fn from_name(name: &str) -> Result<Self> {
        ALL_STATISTICS
            .iter()
            .copied()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = ALL_STATISTICS.iter().map(|s| s.name()).collect();
                GslError::invalid(
                    "statistic",
                    format!("unknown `{name}`; known: {}", known.join(", ")),
                )
            })
    }
}

/// Every statistic, in table order.
pub const ALL_STATISTICS: [Statistic; 7] = [
    Statistic::Degree,
    Statistic::Clustering,
    Statistic::Orbit,
    Statistic::Spectral,
    Statistic::WeightedSpectral,
    Statistic::EdgeWeight,
    Statistic::WeightedDegree,
];

/// Which paper's kernels to use for degree, clustering and orbits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Protocol {
    /// GRAN (`utils/eval_helper.py`): `gaussian_tv` everywhere; also BiGG and BiGG-E.
    #[default]
    Gran,
    /// GraphRNN (`eval/stats.py`): `gaussian_emd` for histograms, RBF for orbits.
    GraphRnn,
}

/// What [`evaluate`] computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalConfig {
    /// Statistics to compare, in order.
    pub statistics: Vec<Statistic>,
    /// Kernel family for degree, clustering and orbits.
    pub protocol: Protocol,
    /// MMD² (default, as published) or MMD.
    pub form: MmdForm,
    /// Bins of the clustering histogram (100).
    pub clustering_bins: usize,
    /// Bins of the spectral histograms (200; BiGG-E uses `min(200, num_leaves)`).
    pub spectral_bins: usize,
    /// σ of the edge-weight kernel; `None` takes √(bin width) as BiGG-E does by default.
    pub edge_weight_sigma: Option<f64>,
    /// Validity rules whose pass rate on the generated set is reported.
    pub validity: Vec<Validity>,
}

impl Default for EvalConfig {
    /// GRAN's four statistics with its kernels, MMD², no validity rule.
    fn default() -> Self {
        Self {
            statistics: vec![
                Statistic::Degree,
                Statistic::Clustering,
                Statistic::Orbit,
                Statistic::Spectral,
            ],
            protocol: Protocol::Gran,
            form: MmdForm::Squared,
            clustering_bins: 100,
            spectral_bins: 200,
            edge_weight_sigma: None,
            validity: Vec::new(),
        }
    }
}

impl EvalConfig {
    /// GRAN's four statistics plus BiGG-E's weighted ones (weighted spectrum, edge weights,
    /// weighted degree).
    pub fn weighted() -> Self {
        let mut c = Self::default();
        c.statistics.extend([
            Statistic::WeightedSpectral,
            Statistic::EdgeWeight,
            Statistic::WeightedDegree,
        ]);
        c
    }

    /// Checks the bin counts, σ and that some statistic or rule is asked for.
    pub fn validate(&self) -> Result<()> {
        if self.statistics.is_empty() && self.validity.is_empty() {
            return Err(GslError::invalid(
                "statistics",
                "ask for at least one statistic or validity rule",
            ));
        }
        if self.clustering_bins == 0 || self.spectral_bins == 0 {
            return Err(GslError::invalid("bins", "bin counts must be at least 1"));
        }
        if let Some(s) = self.edge_weight_sigma
            && (!s.is_finite() || s <= 0.0)
        {
            return Err(GslError::invalid(
                "edge_weight_sigma",
                format!("must be finite and positive, got {s}"),
            ));
        }
        Ok(())
    }
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatisticResult {
    /// The statistic.
    pub statistic: Statistic,
    /// Kernel name.
    pub kernel: String,
    /// Kernel bandwidth.
    pub sigma: f64,
    /// MMD² or MMD (see [`EvalReport::form`]).
    pub value: f64,
    /// Graphs of the reference set that entered the statistic.
    pub num_reference: usize,
    /// Graphs of the generated set that entered the statistic.
    pub num_generated: usize,
    /// Wall time for the descriptors and the MMD, in seconds.
    pub seconds: f64,
}

/// A validity rate of the generated set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidityResult {
    /// The rule.
    pub rule: Validity,
    /// Fraction of generated graphs passing it.
    pub rate: f64,
}

/// What [`evaluate`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Whether the values are MMD² or MMD.
    pub form: MmdForm,
    /// Size of the reference set.
    pub num_reference: usize,
    /// Size of the generated set, before dropping graphs without nodes.
    pub num_generated: usize,
    /// Generated graphs without nodes, left out of every statistic.
    pub num_generated_empty: usize,
    /// One entry per statistic, in the order asked.
    pub statistics: Vec<StatisticResult>,
    /// One entry per validity rule.
    pub validity: Vec<ValidityResult>,
}

impl EvalReport {
    /// The value of `statistic`, if it was computed.
    pub fn value(&self, statistic: Statistic) -> Option<f64> {
        self.statistics
            .iter()
            .find(|r| r.statistic == statistic)
            .map(|r| r.value)
    }
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.form {
            MmdForm::Squared => {
                "MMD² (squared MMD, biased V-statistic, as GraphRNN/GRAN/BiGG report)"
            }
            MmdForm::Root => "MMD (square root of the biased MMD² V-statistic)",
        };
        writeln!(
            f,
            "{what}: {} reference vs {} generated graphs{}",
            self.num_reference,
            self.num_generated,
            if self.num_generated_empty > 0 {
                format!(" ({} without nodes dropped)", self.num_generated_empty)
            } else {
                String::new()
            }
        )?;
        writeln!(
            f,
            "{:<18} {:>14}  {:<21} {:>7} {:>9}",
            "statistic",
            self.form.label(),
            "kernel",
            "sigma",
            "time (s)"
        )?;
        for r in &self.statistics {
            writeln!(
                f,
                "{:<18} {:>14.6e}  {:<21} {:>7.4} {:>9.3}",
                r.statistic.name(),
                r.value,
                r.kernel,
                r.sigma,
                r.seconds
            )?;
        }
        for v in &self.validity {
            writeln!(f, "validity {:<30} {:>8.4}", v.rule.name(), v.rate)?;
        }
        Ok(())
    }
}

/// Per-graph descriptors of a statistic that does not need shared bins.
fn per_graph(
    graphs: &[&SimpleGraph],
    f: impl Fn(&SimpleGraph) -> Result<Vec<f64>> + Sync,
) -> Result<Vec<Vec<f64>>> {
    graphs.par_iter().map(|g| f(g)).collect()
}

/// Shared bins `(edges_low, width, count)` as BiGG-E's `get_histogram_bins`: from 0 (or from
/// the minimum when it is at least 1 and `dynamic`) in steps of `width`, enough bins to reach
/// the maximum. A degenerate range gets one bin.
fn shared_bins(values: &[f64], width: f64, dynamic: bool) -> (f64, f64, usize) {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let (low, width) = if dynamic && min >= 1.0 {
        (min, (max - min) / 100.0)
    } else {
        (0.0, width)
    };
    if width.is_nan() || width <= 0.0 || max <= low {
        return (low, 1.0, 1);
    }
    let count = ((max - low) / width).ceil().max(1.0) as usize;
    (low, width, count)
}

/// Histograms of `values` (one list per graph) on shared bins, normalised, with their centres.
fn binned(
    lists: &[Vec<f64>],
    low: f64,
    width: f64,
    count: usize,
) -> Result<(Vec<Vec<f64>>, Vec<f64>)> {
    let high = low + count as f64 * width;
    let mut hists = lists
        .iter()
        .map(|v| histogram(v, count, low, high))
        .collect::<Result<Vec<_>>>()?;
    normalize_histograms(&mut hists);
    let edges = super::descriptors::linspace(low, high, count + 1);
    let centers = edges.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect();
    Ok((hists, centers))
}

/// Mean of the sorted values between the 1st and 99th percentile positions, without
/// interpolation (BiGG-E's `compute_trimmed_mean_weight`).
fn trimmed_mean(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let lo = (n as f64 * 0.01).floor() as usize;
    let hi = ((n as f64 * 0.99).ceil() as usize).min(n);
    let part = &sorted[lo..hi.max(lo + 1).min(n)];
    part.iter().sum::<f64>() / part.len() as f64
}

/// Descriptors of the reference and generated sets, and the kernel comparing them.
type StatisticInputs = (Vec<Vec<f64>>, Vec<Vec<f64>>, Kernel);

/// Descriptors of both sets and the kernel for one statistic.
fn statistic_inputs(
    statistic: Statistic,
    reference: &[&SimpleGraph],
    generated: &[&SimpleGraph],
    config: &EvalConfig,
) -> Result<StatisticInputs> {
    let gran = config.protocol == Protocol::Gran;
    let hist_pair = |f: &(dyn Fn(&SimpleGraph) -> Result<Vec<f64>> + Sync)| {
        let mut r = per_graph(reference, f)?;
        let mut g = per_graph(generated, f)?;
        normalize_histograms(&mut r);
        normalize_histograms(&mut g);
        Ok::<_, GslError>((r, g))
    };
    Ok(match statistic {
        Statistic::Degree => {
            let (r, g) = hist_pair(&degree_histogram)?;
            let kernel = if gran {
                Kernel::GaussianTv { sigma: 1.0 }
            } else {
                Kernel::GaussianEmd {
                    sigma: 1.0,
                    distance_scaling: 1.0,
                }
            };
            (r, g, kernel)
        }
        Statistic::Clustering => {
            let bins = config.clustering_bins;
            let (r, g) = hist_pair(&|x| clustering_histogram(x, bins))?;
            let kernel = if gran {
                Kernel::GaussianTv { sigma: 0.1 }
            } else {
                Kernel::GaussianEmd {
                    sigma: 0.1,
                    distance_scaling: bins as f64,
                }
            };
            (r, g, kernel)
        }
        Statistic::Orbit => {
            let f = |x: &SimpleGraph| Ok(mean_orbit_counts(x));
            let kernel = if gran {
                Kernel::GaussianTv { sigma: 30.0 }
            } else {
                Kernel::Rbf { sigma: 30.0 }
            };
            (per_graph(reference, f)?, per_graph(generated, f)?, kernel)
        }
        Statistic::Spectral | Statistic::WeightedSpectral => {
            let weighted = statistic == Statistic::WeightedSpectral;
            let bins = config.spectral_bins;
            let f = |x: &SimpleGraph| spectral_histogram(x, bins, weighted);
            (
                per_graph(reference, f)?,
                per_graph(generated, f)?,
                Kernel::GaussianTv { sigma: 1.0 },
            )
        }
        Statistic::EdgeWeight => {
            let with_edges = |set: &[&SimpleGraph]| -> Vec<Vec<f64>> {
                set.iter()
                    .filter(|g| g.num_edges() > 0)
                    .map(|g| edge_weights(g))
                    .collect()
            };
            let (r, g) = (with_edges(reference), with_edges(generated));
            let all: Vec<f64> = r.iter().chain(&g).flatten().copied().collect();
            if all.is_empty() {
                return Err(GslError::EmptyGraph(
                    "edge-weight statistic: no graph has an edge".into(),
                ));
            }
            let (low, width, count) = shared_bins(&all, 0.01, true);
            let (rh, centers) = binned(&r, low, width, count)?;
            let (gh, _) = binned(&g, low, width, count)?;
            let sigma = config.edge_weight_sigma.unwrap_or(width.sqrt());
            (rh, gh, Kernel::GaussianWasserstein { sigma, centers })
        }
        Statistic::WeightedDegree => {
            let r: Vec<Vec<f64>> = reference.iter().map(|g| weighted_degrees(g)).collect();
            let g: Vec<Vec<f64>> = generated.iter().map(|g| weighted_degrees(g)).collect();
            let weights: Vec<f64> = reference
                .iter()
                .chain(generated)
                .flat_map(|g| edge_weights(g))
                .collect();
            if weights.is_empty() {
                return Err(GslError::EmptyGraph(
                    "weighted-degree statistic: no graph has an edge".into(),
                ));
            }
            let mean = trimmed_mean(&weights);
            if mean.is_nan() || mean <= 0.0 {
                return Err(GslError::invalid(
                    "weights",
                    format!("weighted degree needs a positive mean edge weight, got {mean}"),
                ));
            }
            let values: Vec<f64> = r.iter().chain(&g).flatten().copied().collect();
            let (low, width, count) = shared_bins(&values, mean, false);
            let (rh, centers) = binned(&r, low, width, count)?;
            let (gh, _) = binned(&g, low, width, count)?;
            (
                rh,
                gh,
                Kernel::GaussianWasserstein {
                    sigma: mean.sqrt(),
                    centers,
                },
            )
        }
    })
}

/// Compares `generated` with `reference` on the statistics of `config` and reports the pass
/// rate of its validity rules.
///
/// Errors: an invalid config, an empty reference set, a generated set that is empty (or only
/// has graphs without nodes), reference graphs without nodes, and the descriptor and kernel
/// errors (e.g. a weighted statistic on graphs without edges).
///
/// ```
/// use gsl_gen::eval::{EvalConfig, SimpleGraph, Statistic, evaluate};
/// # fn main() -> gsl_core::Result<()> {
/// let path = SimpleGraph::from_pairs(4, &[(0, 1), (1, 2), (2, 3)])?;
/// let star = SimpleGraph::from_pairs(4, &[(0, 1), (0, 2), (0, 3)])?;
/// let report = evaluate(&[path.clone()], &[path.clone()], &EvalConfig::default())?;
/// assert!(report.value(Statistic::Degree).unwrap().abs() < 1e-12);
/// let report = evaluate(&[path], &[star], &EvalConfig::default())?;
/// assert!(report.value(Statistic::Degree).unwrap() > 0.0);
/// println!("{report}");
/// # Ok(())
/// # }
/// ```
pub fn evaluate(
    reference: &[SimpleGraph],
    generated: &[SimpleGraph],
    config: &EvalConfig,
) -> Result<EvalReport> {
    config.validate()?;
    if reference.is_empty() {
        return Err(GslError::invalid("reference", "the reference set is empty"));
    }
    if let Some(i) = reference.iter().position(|g| g.num_nodes() == 0) {
        return Err(GslError::EmptyGraph(format!(
            "reference graph {i} has no nodes"
        )));
    }
    if generated.is_empty() {
        return Err(GslError::invalid("generated", "the generated set is empty"));
    }
    let reference: Vec<&SimpleGraph> = reference.iter().collect();
    let kept: Vec<&SimpleGraph> = generated.iter().filter(|g| g.num_nodes() > 0).collect();
    if kept.is_empty() {
        return Err(GslError::EmptyGraph(
            "every generated graph is empty (no nodes)".into(),
        ));
    }
    let mut statistics = Vec::with_capacity(config.statistics.len());
    for &statistic in &config.statistics {
        let start = Instant::now();
        let (r, g, kernel) = statistic_inputs(statistic, &reference, &kept, config)?;
        let value = mmd(&r, &g, &kernel, config.form)?;
        statistics.push(StatisticResult {
            statistic,
            kernel: kernel.name().to_string(),
            sigma: kernel.sigma(),
            value,
            num_reference: r.len(),
            num_generated: g.len(),
            seconds: start.elapsed().as_secs_f64(),
        });
    }
    let validity = config
        .validity
        .iter()
        .map(|&rule| {
            Ok(ValidityResult {
                rule,
                rate: validity_rate(generated, rule)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(EvalReport {
        form: config.form,
        num_reference: reference.len(),
        num_generated: generated.len(),
        num_generated_empty: generated.len() - kept.len(),
        statistics,
        validity,
    })
}

#[cfg(test)]
// Tests build one-graph slices by cloning, which reads better than `slice::from_ref`.
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;
    use gsl_core::EdgeList;
    use gsl_data::ensembles::{BifurcatingTree, Generator, Grid2d, Lobster};

    fn set(edges: Vec<EdgeList>) -> Vec<SimpleGraph> {
        edges
            .iter()
            .map(|e| SimpleGraph::from_edges(e).unwrap())
            .collect()
    }

    fn weighted(graphs: &[SimpleGraph], scale: f32) -> Vec<SimpleGraph> {
        graphs
            .iter()
            .map(|g| {
                let t: Vec<(usize, usize, f32)> = g
                    .edges()
                    .into_iter()
                    .map(|(i, j, _)| (i, j, scale * (1.0 + ((i * 7 + j) % 5) as f32)))
                    .collect();
                SimpleGraph::from_edges(&EdgeList::from_weighted(g.num_nodes(), &t).unwrap())
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn a_set_against_itself_scores_zero_on_every_statistic() {
        let trees = weighted(
            &set(BifurcatingTree::new(8).sample_many(4, 3).unwrap()),
            0.3,
        );
        let mut config = EvalConfig::weighted();
        config.validity = vec![Validity::BifurcatingTree];
        for protocol in [Protocol::Gran, Protocol::GraphRnn] {
            config.protocol = protocol;
            let report = evaluate(&trees, &trees, &config).unwrap();
            assert_eq!(report.statistics.len(), 7);
            for r in &report.statistics {
                assert!(r.value.abs() < 1e-12, "{:?}: {}", r.statistic, r.value);
            }
            assert_eq!(report.validity[0].rate, 1.0);
        }
    }

    #[test]
    fn different_families_score_higher_than_the_same_family() {
        let lobsters = set(Lobster::default().sample_many(12, 1).unwrap());
        let (a, b) = lobsters.split_at(6);
        let grids = set(vec![
            Grid2d::new(4, 5).sample(0).unwrap(),
            Grid2d::new(5, 5).sample(0).unwrap(),
            Grid2d::new(4, 6).sample(0).unwrap(),
        ]);
        let config = EvalConfig::default();
        let same = evaluate(a, b, &config).unwrap();
        let other = evaluate(a, &grids, &config).unwrap();
        // Both families are triangle-free: the clustering statistic cannot tell them apart.
        assert_eq!(other.value(Statistic::Clustering), Some(0.0));
        for s in [Statistic::Degree, Statistic::Orbit, Statistic::Spectral] {
            assert!(
                other.value(s).unwrap() > same.value(s).unwrap(),
                "{}: {} vs {}",
                s.name(),
                other.value(s).unwrap(),
                same.value(s).unwrap()
            );
        }
        let text = other.to_string();
        assert!(text.contains("MMD²") && text.contains("squared"), "{text}");
        let mut root = config.clone();
        root.form = MmdForm::Root;
        let r = evaluate(a, &grids, &root).unwrap();
        let d2 = other.value(Statistic::Degree).unwrap();
        assert!((r.value(Statistic::Degree).unwrap() - d2.max(0.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn edge_weight_bins_follow_bigge() {
        // Weights below 1: bins of width 0.01 from 0; σ = √0.01 = 0.1.
        let g = SimpleGraph::from_edges(
            &EdgeList::from_weighted(3, &[(0, 1, 0.25), (1, 2, 0.5)]).unwrap(),
        )
        .unwrap();
        let config = EvalConfig {
            statistics: vec![Statistic::EdgeWeight],
            ..EvalConfig::default()
        };
        let report = evaluate(&[g.clone()], &[g.clone()], &config).unwrap();
        assert!((report.statistics[0].sigma - 0.1).abs() < 1e-12);
        // A shifted copy: 0.25 and 0.5 fall in the bins centred at 0.255 and 0.505, 0.375 and
        // 0.625 in those centred at 0.375 and 0.625, so W₁ = 0.12 and
        // MMD² = 2 − 2 exp(−0.12² / (2 · 0.1²)).
        let h = SimpleGraph::from_edges(
            &EdgeList::from_weighted(3, &[(0, 1, 0.375), (1, 2, 0.625)]).unwrap(),
        )
        .unwrap();
        let v = evaluate(&[g], &[h], &config).unwrap().statistics[0].value;
        let want = 2.0 - 2.0 * (-0.72f64).exp();
        assert!((v - want).abs() < 1e-6, "{v} vs {want}");
    }

    #[test]
    fn bad_inputs_are_errors() {
        let g = SimpleGraph::from_pairs(3, &[(0, 1)]).unwrap();
        let config = EvalConfig::default();
        assert!(evaluate(&[], &[g.clone()], &config).is_err());
        assert!(evaluate(&[g.clone()], &[], &config).is_err());
        let nothing = SimpleGraph::from_pairs(0, &[]).unwrap();
        assert!(evaluate(&[g.clone()], &[nothing.clone()], &config).is_err());
        assert!(evaluate(&[nothing.clone()], &[g.clone()], &config).is_err());
        // An empty generated graph among others is dropped and counted.
        let r = evaluate(&[g.clone()], &[g.clone(), nothing], &config).unwrap();
        assert_eq!(r.num_generated_empty, 1);
        let mut bad = config.clone();
        bad.spectral_bins = 0;
        assert!(evaluate(&[g.clone()], &[g.clone()], &bad).is_err());
        bad = config.clone();
        bad.statistics.clear();
        assert!(evaluate(&[g.clone()], &[g.clone()], &bad).is_err());
        bad = config;
        bad.statistics = vec![Statistic::EdgeWeight];
        let isolated = SimpleGraph::from_pairs(2, &[]).unwrap();
        assert!(evaluate(&[isolated.clone()], &[isolated], &bad).is_err());
        assert!(Statistic::from_name("degree").is_ok() && Statistic::from_name("x").is_err());
    }
}
