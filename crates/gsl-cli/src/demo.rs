//! `gsl demo`: the main job on embedded synthetic data. Today: recover the cluster structure of
//! Gaussian blobs with an exact kNN graph, and score it with the structure-recovery metrics.

use gsl::burn::tensor::{Tensor, TensorData};
use gsl::core::Result;
use gsl::core::metrics::evaluate_dense;
use gsl::core::similarity::{KnnOptions, KnnWeighting, knn_graph};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};

/// Parameters of the demo.
pub struct DemoArgs {
    /// Number of clusters.
    pub clusters: usize,
    /// Points per cluster.
    pub per_cluster: usize,
    /// Dimension of the points.
    pub dim: usize,
    /// Neighbours per point.
    pub k: usize,
    /// Seed of the synthetic data.
    pub seed: u64,
}

/// Gaussian blobs: centres ~ N(0, 4²), points ~ centre + N(0, 1). Returns points and labels.
fn blobs(args: &DemoArgs) -> (Vec<f32>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(args.seed);
    let wide = Normal::new(0.0f32, 4.0).expect("valid normal");
    let unit = Normal::new(0.0f32, 1.0).expect("valid normal");
    let centres: Vec<Vec<f32>> = (0..args.clusters)
        .map(|_| (0..args.dim).map(|_| wide.sample(&mut rng)).collect())
        .collect();
    let mut points = Vec::with_capacity(args.clusters * args.per_cluster * args.dim);
    let mut labels = Vec::with_capacity(args.clusters * args.per_cluster);
    for (c, centre) in centres.iter().enumerate() {
        for _ in 0..args.per_cluster {
            points.extend(centre.iter().map(|&m| m + unit.sample(&mut rng)));
            labels.push(c);
        }
    }
    (points, labels)
}

/// Runs the demo on `device` and prints what it finds.
pub fn run(args: &DemoArgs, device: &gsl::burn::tensor::Device) -> Result<()> {
    if args.clusters < 2 || args.per_cluster < 2 || args.dim == 0 {
        return Err(gsl::core::GslError::invalid(
            "demo",
            "need at least 2 clusters of at least 2 points in at least 1 dimension",
        ));
    }
    let n = args.clusters * args.per_cluster;
    println!(
        "gsl demo: {} Gaussian clusters x {} points in {} dimensions (seed {}), device {device:?}",
        args.clusters, args.per_cluster, args.dim, args.seed
    );
    let (points, labels) = blobs(args);
    let x = Tensor::<2>::from_data(TensorData::new(points, [n, args.dim]), device);

    let mut options = KnnOptions::new(args.k);
    options.symmetrize = true;
    options.weighting = KnnWeighting::Gaussian { sigma: None };
    let start = std::time::Instant::now();
    let graph = knn_graph(x, &options)?;
    println!(
        "kNN graph (k = {}, symmetrised, Gaussian weights): {} nodes, {} directed edges in {:.1} ms",
        args.k,
        graph.num_nodes(),
        graph.num_edges(),
        start.elapsed().as_secs_f64() * 1e3
    );

    // The planted structure: an edge between every two points of the same cluster.
    let truth: Vec<f32> = (0..n * n)
        .map(|p| {
            let (i, j) = (p / n, p % n);
            f32::from(i != j && labels[i] == labels[j])
        })
        .collect();
    let truth = Tensor::<3>::from_data(TensorData::new(truth, [1, n, n]), device);
    let pred = graph.to_dense().unsqueeze_dim::<3>(0);
    let report = evaluate_dense(pred, truth, 0.0)?;
    println!("recovery of the cluster graph by the kNN edges (threshold 0):");
    println!(
        "  precision {:.3}  recall {:.3}  F1 {:.3}  MCC {:.3}  SHD {:.0}",
        report.precision.mean, report.recall.mean, report.f1.mean, report.mcc.mean, report.shd.mean
    );
    println!(
        "  ranking by edge weight: AUC {:.3}  average precision {:.3}",
        report.auc.mean, report.average_precision.mean
    );
    println!(
        "A precision near 1 means kNN edges stay inside clusters; recall is at most about k/(cluster size − 1) = {:.3}.",
        args.k as f64 / (args.per_cluster as f64 - 1.0)
    );
    Ok(())
}
