//! Tests of the real-data loaders.
//!
//! Two kinds: round trips and malformation checks on small fixtures the tests generate
//! themselves (always run), and count checks against the real files described in the shared
//! data folder's `MANIFEST.md` (run when `GSL_DATA_DIR` points at that folder, skipped with a
//! printed reason otherwise).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use gsl_core::{BuildOptions, EdgeList, GslError};
use gsl_data::loaders::pickle::{PickleValue, parse_pickle};
use gsl_data::loaders::tu::Fold;
use gsl_data::loaders::{
    CsrMatrix, Dataset, EdgeListOptions, Matrix, NodeDataset, load_from, read_dgcnn_text,
    read_edge_list, read_matrix, read_planetoid, read_shchur_npz, read_tu, read_tu_folds,
    write_edge_list, write_matrix,
};
use npyz::WriterBuilder;

fn device() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

/// The shared data folder, or `None` (with the reason printed) when it is not available.
fn data_dir(sub: &str) -> Option<PathBuf> {
    let Some(root) = std::env::var_os("GSL_DATA_DIR") else {
        eprintln!("skipped: GSL_DATA_DIR is not set");
        return None;
    };
    let root = PathBuf::from(root);
    if !root.join(sub).exists() {
        eprintln!("skipped: {} is absent", root.join(sub).display());
        return None;
    }
    Some(root)
}

/// The error must be a parse error naming `file` (by its file name), and `line` when given.
fn assert_parse_error(err: GslError, file: &str, line: Option<usize>) {
    match &err {
        GslError::Parse { path, line: l, .. } => {
            assert!(
                path.to_string_lossy().ends_with(file),
                "error names {path:?}, expected {file}: {err}"
            );
            if line.is_some() {
                assert_eq!(*l, line, "wrong line in: {err}");
            }
        }
        other => panic!("expected a parse error for {file}, got {other}"),
    }
}

// ---------------------------------------------------------------- matrices ----

#[test]
fn matrix_csv_round_trip_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let values: Vec<f32> = (0..12)
        .map(|i| (i as f32 - 5.5) / 7.0 + 1e-7 * i as f32)
        .collect();
    let m = Matrix::new(3, 4, values).unwrap();
    for name in ["m.csv", "m.npy"] {
        let path = dir.path().join(name);
        write_matrix(&path, &m, false).unwrap();
        assert_eq!(read_matrix(&path).unwrap(), m, "{name}");
    }
}

#[test]
fn matrix_csv_header_and_comments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.csv");
    std::fs::write(
        &path,
        "# made by hand\nx, y ,z\n\n1,2,3\n# mid\n-4e1, 5.5 ,6\n",
    )
    .unwrap();
    let m = read_matrix(&path).unwrap();
    assert_eq!((m.rows, m.cols), (2, 3));
    assert_eq!(m.values, vec![1.0, 2.0, 3.0, -40.0, 5.5, 6.0]);
}

fn write_npy<T: npyz::Serialize + npyz::AutoSerialize + Copy>(
    path: &Path,
    shape: &[u64],
    data: &[T],
) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(file)
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
}

#[test]
fn matrix_npy_dtypes_convert_to_f32() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    write_npy(&p("a.npy"), &[2, 2], &[1.5f64, -2.0, 3.25, 4.0]);
    write_npy(&p("b.npy"), &[1, 3], &[7i32, -8, 9]);
    write_npy(&p("c.npy"), &[3, 1], &[10i64, 11, -12]);
    assert_eq!(
        read_matrix(p("a.npy")).unwrap().values,
        vec![1.5, -2.0, 3.25, 4.0]
    );
    let b = read_matrix(p("b.npy")).unwrap();
    assert_eq!((b.rows, b.cols, b.values), (1, 3, vec![7.0, -8.0, 9.0]));
    let c = read_matrix(p("c.npy")).unwrap();
    assert_eq!((c.rows, c.cols, c.values), (3, 1, vec![10.0, 11.0, -12.0]));
}

#[test]
fn matrix_malformed_files_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let ragged = write("ragged.csv", "1,2,3\n4,5,6\n7,8\n");
    assert_parse_error(read_matrix(&ragged).unwrap_err(), "ragged.csv", Some(3));
    let word = write("word.csv", "a,b\n1,2\n3,x\n");
    assert_parse_error(read_matrix(&word).unwrap_err(), "word.csv", Some(3));
    let nan = write("nan.csv", "1,2\nnan,4\n");
    assert_parse_error(read_matrix(&nan).unwrap_err(), "nan.csv", Some(2));
    let inf = write("inf.csv", "1,inf\n");
    assert_parse_error(read_matrix(&inf).unwrap_err(), "inf.csv", Some(1));
    let empty = write("empty.csv", "# nothing\n\n");
    assert_parse_error(read_matrix(&empty).unwrap_err(), "empty.csv", None);
    let header_only = write("header.csv", "a,b\n");
    assert_parse_error(read_matrix(&header_only).unwrap_err(), "header.csv", None);
    assert!(matches!(
        read_matrix(write("m.txt", "1,2\n")).unwrap_err(),
        GslError::InvalidArgument { .. }
    ));

    let vec1d = dir.path().join("v.npy");
    write_npy(&vec1d, &[3], &[1.0f32, 2.0, 3.0]);
    assert_parse_error(read_matrix(&vec1d).unwrap_err(), "v.npy", None);
    let nan_npy = dir.path().join("nan.npy");
    write_npy(&nan_npy, &[1, 2], &[1.0f32, f32::NAN]);
    assert_parse_error(read_matrix(&nan_npy).unwrap_err(), "nan.npy", None);
    let full = dir.path().join("full.npy");
    write_npy(&full, &[4, 4], &[1.0f32; 16]);
    let bytes = std::fs::read(&full).unwrap();
    let cut = dir.path().join("cut.npy");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    assert_parse_error(read_matrix(&cut).unwrap_err(), "cut.npy", None);
    let garbage = write("garbage.npy", "not numpy at all");
    assert_parse_error(read_matrix(&garbage).unwrap_err(), "garbage.npy", None);
    assert!(matches!(
        read_matrix(dir.path().join("absent.csv")).unwrap_err(),
        GslError::Io { .. }
    ));
}

#[test]
fn square_matrix_to_edge_list_keeps_nonzero_off_diagonal() {
    let m = Matrix::new(3, 3, vec![9.0, 1.0, 0.0, 1.0, 9.0, 2.0, 0.0, 2.0, 9.0]).unwrap();
    let e = m.to_edge_list().unwrap();
    let triples: Vec<_> = e.iter().collect();
    assert_eq!(
        triples,
        vec![(0, 1, 1.0), (1, 0, 1.0), (1, 2, 2.0), (2, 1, 2.0)]
    );
    assert!(
        Matrix::new(2, 3, vec![0.0; 6])
            .unwrap()
            .to_edge_list()
            .is_err()
    );
    assert_eq!(
        (m.get(1, 2), m.get(3, 0), m.get(0, 3)),
        (Some(2.0), None, None)
    );
    assert_eq!(m.row(2), Some(&[0.0, 2.0, 9.0][..]));
    assert!(m.row(3).is_none());
    assert!(Matrix::new(2, 2, vec![0.0; 3]).is_err());
    assert!(Matrix::new(1, 1, vec![f32::INFINITY]).is_err());
}

// -------------------------------------------------------------- edge lists ----

#[test]
fn edge_list_round_trip_weighted_and_unweighted() {
    let dir = tempfile::tempdir().unwrap();
    let weighted =
        EdgeList::from_weighted(5, &[(0, 1, 0.25), (3, 2, 1.0 / 3.0), (4, 0, 7.0)]).unwrap();
    let path = dir.path().join("w.csv");
    write_edge_list(&path, &weighted, false).unwrap();
    let opts = EdgeListOptions {
        num_nodes: Some(5),
        ..Default::default()
    };
    assert_eq!(read_edge_list(&path, opts).unwrap(), weighted);

    let path = dir.path().join("plain.txt");
    std::fs::write(&path, "% a Matrix-Market-style comment\n1 2\n2\t3\n\n3 1\n").unwrap();
    let e = read_edge_list(
        &path,
        EdgeListOptions {
            one_based: true,
            num_nodes: None,
        },
    )
    .unwrap();
    assert_eq!(
        e,
        EdgeList::from_pairs(3, &[(0, 1), (1, 2), (2, 0)]).unwrap()
    );
    assert_eq!(e.weights(), None);
}

#[test]
fn edge_list_malformed_lines_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let d = EdgeListOptions::default();
    let cases = [
        ("range.csv", "0,1\n1,5\n", Some(3), 2),
        ("ragged.csv", "0,1,1.0\n1,2\n", None, 2),
        ("weight.csv", "0,1,abc\n", None, 1),
        ("nanw.csv", "s,t,w\n0,1,NaN\n", None, 2),
        ("neg.csv", "0,-1\n", None, 1),
        ("id.csv", "0,1\n1.5,2\n", None, 2),
        ("four.csv", "0,1,2,3\n", None, 1),
    ];
    for (name, text, n, line) in cases {
        let p = write(name, text);
        let err = read_edge_list(&p, EdgeListOptions { num_nodes: n, ..d }).unwrap_err();
        assert_parse_error(err, name, Some(line));
    }
    let zero = write("zero.csv", "0 1\n");
    let err = read_edge_list(
        &zero,
        EdgeListOptions {
            one_based: true,
            ..d
        },
    )
    .unwrap_err();
    assert_parse_error(err, "zero.csv", Some(1));
    assert_parse_error(
        read_edge_list(write("none.csv", "src,dst\n"), d).unwrap_err(),
        "none.csv",
        None,
    );
}

// ------------------------------------------------------------------- npz ----

fn npz_array<T: npyz::Serialize + npyz::AutoSerialize + Copy>(
    npz: &mut npyz::npz::NpzWriter<std::io::BufWriter<std::fs::File>>,
    name: &str,
    data: &[T],
) {
    let mut w = npz
        .array(name, Default::default())
        .unwrap()
        .default_dtype()
        .shape(&[data.len() as u64])
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
}

/// A 4-node Shchur-style file: directed edges 0→1, 1→0, 2→3, 3→3 (a self-loop), 0→1 twice
/// stored once; 3 features; labels 0, 1, 1, 0. `bad_index` puts a column out of range.
fn write_small_npz(path: &Path, bad_index: bool) {
    let mut npz = npyz::npz::NpzWriter::create(path).unwrap();
    npz_array(&mut npz, "adj_data", &[1.0f32, 1.0, 1.0, 1.0]);
    let last = if bad_index { 4 } else { 3 };
    npz_array(&mut npz, "adj_indices", &[1i32, 0, 3, last]);
    npz_array(&mut npz, "adj_indptr", &[0i32, 1, 2, 3, 4]);
    npz_array(&mut npz, "adj_shape", &[4i64, 4]);
    npz_array(&mut npz, "attr_data", &[1.0f32, 2.0, 3.0, 4.0]);
    npz_array(&mut npz, "attr_indices", &[0i32, 2, 1, 2]);
    npz_array(&mut npz, "attr_indptr", &[0i32, 1, 2, 3, 4]);
    npz_array(&mut npz, "attr_shape", &[4i64, 3]);
    npz_array(&mut npz, "labels", &[0i8, 1, 1, 0]);
}

#[test]
fn npz_small_fixture_assembles_graph_features_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.npz");
    write_small_npz(&path, false);
    let ds = read_shchur_npz(&path, "small", &device()).unwrap();
    assert_eq!(ds.num_nodes(), 4);
    // 0–1 and 2–3 survive; the self-loop 3→3 is dropped.
    let pairs: Vec<_> = ds.edges.iter().map(|(s, d, _)| (s, d)).collect();
    assert_eq!(pairs, vec![(0, 1), (1, 0), (2, 3), (3, 2)]);
    assert_eq!(ds.labels, vec![0, 1, 1, 0]);
    assert_eq!((ds.num_classes, ds.class_counts()), (2, vec![2, 2]));
    let x = gsl_core::tensor::to_vec_f32(ds.graph.features.clone());
    assert_eq!(
        x,
        vec![1.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 3.0, 0.0, 0.0, 0.0, 4.0]
    );
    let y = gsl_core::tensor::to_vec_i64(ds.graph.labels.clone().unwrap());
    assert_eq!(y, vec![0, 1, 1, 0]);
}

#[test]
fn npz_malformed_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.npz");
    write_small_npz(&bad, true);
    let err = read_shchur_npz(&bad, "bad", &device()).unwrap_err();
    assert!(err.to_string().contains("adj_"), "{err}");
    assert_parse_error(err, "bad.npz", None);

    let good = dir.path().join("good.npz");
    write_small_npz(&good, false);
    let bytes = std::fs::read(&good).unwrap();
    for keep in [bytes.len() / 2, bytes.len() - 30, 10] {
        let cut = dir.path().join("cut.npz");
        std::fs::write(&cut, &bytes[..keep]).unwrap();
        assert_parse_error(
            read_shchur_npz(&cut, "cut", &device()).unwrap_err(),
            "cut.npz",
            None,
        );
    }

    let partial = dir.path().join("partial.npz");
    {
        let mut npz = npyz::npz::NpzWriter::create(&partial).unwrap();
        npz_array(&mut npz, "adj_shape", &[2i64, 2]);
    }
    let err = read_shchur_npz(&partial, "partial", &device()).unwrap_err();
    assert!(err.to_string().contains("adj_data"), "{err}");
}

#[test]
fn csr_validation_rejects_broken_structure() {
    let ok = CsrMatrix {
        rows: 2,
        cols: 3,
        indptr: vec![0, 1, 3],
        indices: vec![2, 0, 1],
        data: vec![1.0, 2.0, 3.0],
    };
    let p = Path::new("x");
    ok.validate(p, "ok").unwrap();
    assert_eq!(ok.to_dense().unwrap(), vec![0.0, 0.0, 1.0, 2.0, 3.0, 0.0]);
    // Not square: no edge list.
    assert!(ok.to_edge_list().is_err());
    let mut decreasing = ok.clone();
    decreasing.indptr = vec![0, 3, 3];
    decreasing.indptr[1] = 4;
    assert!(decreasing.validate(p, "m").is_err());
    let mut col = ok.clone();
    col.indices[1] = 3;
    assert!(col.validate(p, "m").is_err());
    assert!(col.to_dense().is_err());
    let mut short = ok.clone();
    short.indptr.pop();
    assert!(short.validate(p, "m").is_err());
    let mut nan = ok;
    nan.data[0] = f32::NAN;
    assert!(nan.validate(p, "m").is_err());
}

// ------------------------------------------------------- pickle / planetoid ----

/// Emits Python-2-style protocol-2 pickles with the same object layout as the Planetoid files
/// (see MANIFEST §1), memoising the `numpy.ndarray` and `numpy.dtype` globals like cPickle.
struct Pickler {
    out: Vec<u8>,
    memo_ndarray: bool,
}

impl Pickler {
    fn new() -> Self {
        Self {
            out: vec![0x80, 2],
            memo_ndarray: false,
        }
    }
    fn op(&mut self, op: u8) -> &mut Self {
        self.out.push(op);
        self
    }
    fn global(&mut self, module: &str, name: &str) -> &mut Self {
        self.out.push(b'c');
        self.out
            .extend_from_slice(format!("{module}\n{name}\n").as_bytes());
        self
    }
    fn int(&mut self, v: i64) -> &mut Self {
        if (0..256).contains(&v) {
            self.out.extend_from_slice(&[b'K', v as u8]);
        } else if (0..65536).contains(&v) {
            self.out.push(b'M');
            self.out.extend_from_slice(&(v as u16).to_le_bytes());
        } else {
            self.out.push(b'J');
            self.out.extend_from_slice(&(v as i32).to_le_bytes());
        }
        self
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        if b.len() < 256 {
            self.out.extend_from_slice(&[b'U', b.len() as u8]);
        } else {
            self.out.push(b'T');
            self.out.extend_from_slice(&(b.len() as u32).to_le_bytes());
        }
        self.out.extend_from_slice(b);
        self
    }
    fn ndarray(&mut self, dtype: &str, shape: &[usize], raw: &[u8]) -> &mut Self {
        self.global("numpy.core.multiarray", "_reconstruct");
        if self.memo_ndarray {
            self.out.extend_from_slice(b"h\x02");
        } else {
            self.global("numpy", "ndarray")
                .out
                .extend_from_slice(b"q\x02");
            self.memo_ndarray = true;
        }
        self.int(0).op(0x85).bytes(b"b").op(0x87).op(b'R');
        self.op(b'(').int(1).op(b'(');
        for &d in shape {
            self.int(d as i64);
        }
        self.op(b't');
        self.global("numpy", "dtype")
            .bytes(dtype.as_bytes())
            .int(0)
            .int(1)
            .op(0x87)
            .op(b'R');
        self.op(b'(').int(3).bytes(b"<").op(b'N').op(b'N').op(b'N');
        self.int(-1).int(-1).int(0).op(b't').op(b'b');
        self.op(0x89).bytes(raw).op(b't').op(b'b')
    }
    fn finish(&mut self) -> Vec<u8> {
        self.out.push(b'.');
        std::mem::take(&mut self.out)
    }
}

fn le_i32(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn le_f32(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A scipy `csr_matrix` pickle of the dense row-major `rows × cols` matrix.
fn csr_pickle(rows: usize, cols: usize, dense: &[f32]) -> Vec<u8> {
    let (mut indptr, mut indices, mut data) = (vec![0i32], Vec::new(), Vec::new());
    for r in 0..rows {
        for c in 0..cols {
            if dense[r * cols + c] != 0.0 {
                indices.push(c as i32);
                data.push(dense[r * cols + c]);
            }
        }
        indptr.push(indices.len() as i32);
    }
    let mut p = Pickler::new();
    p.global("scipy.sparse.csr", "csr_matrix")
        .op(b')')
        .op(0x81)
        .op(b'}')
        .op(b'(');
    p.bytes(b"format").bytes(b"csr");
    p.bytes(b"_shape")
        .int(rows as i64)
        .int(cols as i64)
        .op(0x86);
    p.bytes(b"indptr")
        .ndarray("i4", &[indptr.len()], &le_i32(&indptr));
    p.bytes(b"indices")
        .ndarray("i4", &[indices.len()], &le_i32(&indices));
    p.bytes(b"data")
        .ndarray("f4", &[data.len()], &le_f32(&data));
    p.bytes(b"_cs_matrix__has_sorted_indices").op(0x88);
    p.bytes(b"maxprint").int(50);
    p.op(b'u').op(b'b').finish()
}

fn onehot_pickle(labels: &[usize], classes: usize) -> Vec<u8> {
    let mut v = vec![0i32; labels.len() * classes];
    labels
        .iter()
        .enumerate()
        .for_each(|(r, &l)| v[r * classes + l] = 1);
    let mut p = Pickler::new();
    p.ndarray("i4", &[labels.len(), classes], &le_i32(&v));
    p.finish()
}

fn graph_pickle(adj: &[(i64, Vec<i64>)]) -> Vec<u8> {
    let mut p = Pickler::new();
    p.global("collections", "defaultdict")
        .out
        .extend_from_slice(b"q\x01");
    p.global("__builtin__", "list")
        .out
        .extend_from_slice(b"q\x02");
    p.op(0x85).op(b'R').out.extend_from_slice(b"q\x03");
    p.op(b'(');
    for (k, list) in adj {
        p.int(*k).op(b']').op(b'(');
        for &v in list {
            p.int(v);
        }
        p.op(b'e');
    }
    p.op(b'u').finish()
}

/// A 7-node Planetoid-style dataset: train 0..2 (`x`, `y`), `allx`/`ally` rows 0..4, test
/// nodes 6 and 4 (in that order in `test.index`); node 5 is covered by neither (like
/// Citeseer's isolated nodes). Features are 2-D with value `node + 1` in column `node % 2`.
fn write_small_planetoid(dir: &Path, with_allx: bool, graph: &[(i64, Vec<i64>)]) {
    let feat = |nodes: &[usize]| -> Vec<f32> {
        nodes
            .iter()
            .flat_map(|&n| {
                if n % 2 == 0 {
                    [n as f32 + 1.0, 0.0]
                } else {
                    [0.0, n as f32 + 1.0]
                }
            })
            .collect()
    };
    let label = |n: usize| n % 3;
    let w = |part: &str, bytes: &[u8]| {
        std::fs::write(dir.join(format!("ind.toy.{part}")), bytes).unwrap()
    };
    w("x", &csr_pickle(2, 2, &feat(&[0, 1])));
    w("y", &onehot_pickle(&[label(0), label(1)], 3));
    if with_allx {
        w("allx", &csr_pickle(4, 2, &feat(&[0, 1, 2, 3])));
    }
    w("ally", &onehot_pickle(&[0, 1, 2, 3].map(label), 3));
    w("tx", &csr_pickle(2, 2, &feat(&[6, 4])));
    w("ty", &onehot_pickle(&[label(6), label(4)], 3));
    w("graph", &graph_pickle(graph));
    w("test.index", b"6\n4\n");
}

fn toy_graph() -> Vec<(i64, Vec<i64>)> {
    vec![
        (0, vec![1, 2, 2]),
        (1, vec![0]),
        (2, vec![0, 2, 3]),
        (3, vec![]),
        (4, vec![6]),
        (5, vec![]),
        (6, vec![4, 0]),
    ]
}

#[test]
fn pickle_reader_decodes_generated_objects() {
    let p = Path::new("mem");
    let v = parse_pickle(&graph_pickle(&[(0, vec![1, 300, 70000]), (1, vec![])]), p).unwrap();
    assert_eq!(
        v,
        PickleValue::Dict(vec![
            (
                PickleValue::Int(0),
                PickleValue::List(vec![
                    PickleValue::Int(1),
                    PickleValue::Int(300),
                    PickleValue::Int(70000)
                ])
            ),
            (PickleValue::Int(1), PickleValue::List(vec![])),
        ])
    );
    let dense = [0.0, 1.5, 0.0, -2.0, 0.0, 3.0];
    let csr = parse_pickle(&csr_pickle(2, 3, &dense), p)
        .unwrap()
        .as_csr()
        .unwrap();
    csr.validate(p, "csr").unwrap();
    assert_eq!(
        (csr.rows, csr.cols, csr.to_dense().unwrap()),
        (2, 3, dense.to_vec())
    );
    let arr = parse_pickle(&onehot_pickle(&[2, 0], 3), p)
        .unwrap()
        .as_ndarray()
        .unwrap();
    assert_eq!(arr.shape, vec![2, 3]);
    assert_eq!(arr.to_i64().unwrap(), vec![0, 0, 1, 1, 0, 0]);
}

#[test]
fn pickle_reader_rejects_malformed_input() {
    let p = Path::new("bad.pkl");
    let good = csr_pickle(2, 2, &[1.0, 0.0, 0.0, 1.0]);
    // Every strict prefix is truncated: an error, never a panic.
    for cut in 0..good.len() {
        assert!(
            parse_pickle(&good[..cut], p).is_err(),
            "prefix of {cut} bytes accepted"
        );
    }
    let cases: Vec<Vec<u8>> = vec![
        b"\x80\x05K\x01.".to_vec(),               // protocol 5
        b"\x80\x02h\x07.".to_vec(),               // memo key never stored
        b"\x80\x02K\x01e.".to_vec(),              // APPENDS without MARK
        b"\x80\x02K\x01K\x02a.".to_vec(),         // APPEND to an int
        b"\x80\x02(K\x01.".to_vec(),              // STOP with an open MARK
        b"\x80\x02b.".to_vec(),                   // BUILD on an empty stack
        b"\x80\x02G\x00.".to_vec(),               // unsupported opcode (BINFLOAT)
        b"\x80\x02T\xff\xff\xff\x7fab.".to_vec(), // length beyond the end
        b"garbage".to_vec(),
        // _codecs.encode('a', 'utf8'): only latin1 byte strings are understood.
        b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x04\x00\x00\x00utf8\x86R.".to_vec(),
    ];
    for bytes in cases {
        let err = parse_pickle(&bytes, p).unwrap_err();
        assert_parse_error(err, "bad.pkl", None);
    }
    // Well-formed pickles of the wrong kind.
    let labels = parse_pickle(&onehot_pickle(&[0, 1], 2), p).unwrap();
    assert!(labels.as_csr().is_err());
    let graph = parse_pickle(&graph_pickle(&[(0, vec![])]), p).unwrap();
    assert!(graph.as_ndarray().is_err());
    // A self-referencing list cannot be turned into a tree.
    let cyclic = b"\x80\x02]q\x00h\x00a.";
    assert!(parse_pickle(cyclic, p).is_err());
}

/// Agreement with numpy/scipy: a pickle written by Python 3 (protocol 2) with a scipy CSR
/// matrix, a one-hot int32 array, a big-endian float64 array and a `defaultdict(list)`, against
/// the same values in JSON (`tests/fixtures/make_pickle_fixture.py`).
#[test]
fn pickle_reader_agrees_with_numpy_and_scipy() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let path = fixtures.join("pickle_py3.pkl");
    let value = parse_pickle(&std::fs::read(&path).unwrap(), &path).unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("pickle_py3.json")).unwrap())
            .unwrap();
    let floats = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let ints = |v: &serde_json::Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect()
    };

    let csr = value.get("csr").unwrap().as_csr().unwrap();
    csr.validate(&path, "csr").unwrap();
    let shape = ints(&expected["csr_shape"]);
    assert_eq!((csr.rows as i64, csr.cols as i64), (shape[0], shape[1]));
    let dense: Vec<f64> = csr.to_dense().unwrap().iter().map(|&v| v as f64).collect();
    assert_eq!(dense, floats(&expected["csr_dense"]));

    let onehot = value.get("onehot").unwrap().as_ndarray().unwrap();
    let shape: Vec<usize> = ints(&expected["onehot_shape"])
        .iter()
        .map(|&v| v as usize)
        .collect();
    assert_eq!(onehot.shape, shape);
    assert_eq!(onehot.to_i64().unwrap(), ints(&expected["onehot"]));

    let big = value.get("big").unwrap().as_ndarray().unwrap();
    let big: Vec<f64> = big.to_f32().unwrap().iter().map(|&v| v as f64).collect();
    let want: Vec<f64> = floats(&expected["big"])
        .iter()
        .map(|&v| v as f32 as f64)
        .collect();
    assert_eq!(big, want);

    let PickleValue::Dict(graph) = value.get("graph").unwrap() else {
        panic!("graph is not a dict")
    };
    let want = expected["graph"].as_object().unwrap();
    assert_eq!(graph.len(), want.len());
    for (k, v) in graph {
        let k = k.as_int().unwrap();
        let PickleValue::List(v) = v else {
            panic!("graph[{k}] is not a list")
        };
        let got: Vec<i64> = v.iter().map(|x| x.as_int().unwrap()).collect();
        assert_eq!(got, ints(&want[&k.to_string()]));
    }
}

#[test]
fn planetoid_small_fixture_is_assembled_like_kipf() {
    let dir = tempfile::tempdir().unwrap();
    write_small_planetoid(dir.path(), true, &toy_graph());
    let ds = read_planetoid(dir.path(), "toy", &device()).unwrap();
    assert_eq!(ds.num_nodes(), 7);
    // Symmetrised, duplicates merged, the self-loop 2-2 dropped.
    let pairs: Vec<_> = ds.edges.iter().map(|(s, d, _)| (s, d)).collect();
    let mut expected = vec![(0, 1), (0, 2), (2, 3), (4, 6), (0, 6)];
    expected.extend(expected.clone().into_iter().map(|(a, b)| (b, a)));
    expected.sort();
    assert_eq!(pairs, expected);
    // Node n has value n + 1 in column n % 2, except node 5, which no file covers.
    let x = gsl_core::tensor::to_vec_f32(ds.graph.features.clone());
    for n in 0..7 {
        let want = if n == 5 {
            [0.0, 0.0]
        } else if n % 2 == 0 {
            [n as f32 + 1.0, 0.0]
        } else {
            [0.0, n as f32 + 1.0]
        };
        assert_eq!(&x[2 * n..2 * n + 2], &want, "node {n}");
    }
    assert_eq!(ds.labels, vec![0, 1, 2, 0, 1, -1, 0]);
    assert_eq!(ds.missing_feature_rows, vec![5]);
    let split = ds.split.clone().unwrap();
    assert_eq!(split.train, vec![0, 1]);
    assert_eq!(split.val, vec![2, 3, 4, 5, 6]);
    assert_eq!(split.test, vec![6, 4]);

    // Without allx, rows 2 and 3 lose their features but keep their labels.
    let dir2 = tempfile::tempdir().unwrap();
    write_small_planetoid(dir2.path(), false, &toy_graph());
    let ds2 = read_planetoid(dir2.path(), "toy", &device()).unwrap();
    assert_eq!(ds2.missing_feature_rows, vec![2, 3, 5]);
    assert_eq!(ds2.labels, ds.labels);
    let x2 = gsl_core::tensor::to_vec_f32(ds2.graph.features.clone());
    assert_eq!(&x2[4..8], &[0.0; 4]);
    assert_eq!(&x2[..4], &x[..4]);
}

#[test]
fn planetoid_malformed_parts_are_errors() {
    let dev = device();
    // A neighbour outside 0..7.
    let dir = tempfile::tempdir().unwrap();
    let mut graph = toy_graph();
    graph[3].1.push(7);
    write_small_planetoid(dir.path(), true, &graph);
    let err = read_planetoid(dir.path(), "toy", &dev).unwrap_err();
    assert!(err.to_string().contains("graph[3]"), "{err}");
    assert_parse_error(err, "ind.toy.graph", None);

    // A test id out of range names the line.
    let dir = tempfile::tempdir().unwrap();
    write_small_planetoid(dir.path(), true, &toy_graph());
    std::fs::write(dir.path().join("ind.toy.test.index"), "6\n9\n").unwrap();
    let err = read_planetoid(dir.path(), "toy", &dev).unwrap_err();
    assert_parse_error(err, "ind.toy.test.index", Some(2));

    // A label pickle where features belong.
    let dir = tempfile::tempdir().unwrap();
    write_small_planetoid(dir.path(), true, &toy_graph());
    std::fs::copy(dir.path().join("ind.toy.ty"), dir.path().join("ind.toy.tx")).unwrap();
    assert_parse_error(
        read_planetoid(dir.path(), "toy", &dev).unwrap_err(),
        "ind.toy.tx",
        None,
    );

    // A truncated pickle.
    let dir = tempfile::tempdir().unwrap();
    write_small_planetoid(dir.path(), true, &toy_graph());
    let ally = std::fs::read(dir.path().join("ind.toy.ally")).unwrap();
    std::fs::write(dir.path().join("ind.toy.ally"), &ally[..ally.len() - 5]).unwrap();
    assert_parse_error(
        read_planetoid(dir.path(), "toy", &dev).unwrap_err(),
        "ind.toy.ally",
        None,
    );

    // Row counts that disagree with test.index.
    let dir = tempfile::tempdir().unwrap();
    write_small_planetoid(dir.path(), true, &toy_graph());
    std::fs::write(dir.path().join("ind.toy.test.index"), "6\n").unwrap();
    assert!(read_planetoid(dir.path(), "toy", &dev).is_err());

    // A missing part is named.
    let dir = tempfile::tempdir().unwrap();
    write_small_planetoid(dir.path(), true, &toy_graph());
    std::fs::remove_file(dir.path().join("ind.toy.graph")).unwrap();
    let err = read_planetoid(dir.path(), "toy", &dev).unwrap_err();
    assert!(err.to_string().contains("ind.toy.graph"), "{err}");
}

// -------------------------------------------------------------------- TU ----

fn write_tu_fixture(dir: &Path, a: &str) {
    let w =
        |part: &str, text: &str| std::fs::write(dir.join(format!("T_{part}.txt")), text).unwrap();
    // Graph 1: nodes 1..3 (a path); graph 2: nodes 4..5 (one edge, plus a self-loop).
    w("A", a);
    w("graph_indicator", "1\n1\n1\n2\n2\n");
    w("graph_labels", "3\n1\n");
    w("node_labels", "1\n2\n1\n5\n5\n");
    w("node_attributes", "  0.5\n -1.0\n  2.0\n  0.25\n  0.0\n");
    w(
        "coordinates",
        "1.0, 2.0, 3.0\n4,5,6\n7,8,9\n10,11,12\n13,14,15\n",
    );
    w("graph_list", "first   \nsecond  \n");
}

const TU_A: &str = "1, 2\n2, 1\n2, 3\n3, 2\n4, 5\n5, 4\n5, 5\n";

#[test]
fn tu_small_fixture_splits_graphs_with_local_ids() {
    let dir = tempfile::tempdir().unwrap();
    write_tu_fixture(dir.path(), TU_A);
    std::fs::write(
        dir.path().join("T_edge_attributes.txt"),
        "1,0\n2,0\n3,0\n4,0\n5,0\n6,0\n7,0\n",
    )
    .unwrap();
    let ds = read_tu(dir.path(), "T").unwrap();
    assert_eq!(ds.graphs.len(), 2);
    assert_eq!(ds.graph_names, vec!["first", "second"]);
    assert_eq!(ds.classes(), vec![1, 3]);
    let (g1, g2) = (&ds.graphs[0], &ds.graphs[1]);
    assert_eq!((g1.num_nodes(), g2.num_nodes()), (3, 2));
    assert_eq!((g1.label, g2.label), (3, 1));
    let pairs: Vec<_> = g2.edges.iter().map(|(s, d, _)| (s, d)).collect();
    assert_eq!(pairs, vec![(0, 1), (1, 0), (1, 1)]);
    assert_eq!(
        (
            g1.num_undirected_edges().unwrap(),
            g2.num_undirected_edges().unwrap()
        ),
        (2, 1)
    );
    assert_eq!(g2.node_labels, vec![5, 5]);
    assert_eq!(
        g1.node_attributes.as_ref().unwrap().values,
        vec![0.5, -1.0, 2.0]
    );
    assert_eq!(
        g2.coordinates.as_ref().unwrap().values,
        vec![10.0, 11.0, 12.0, 13.0, 14.0, 15.0]
    );
    // Edge attributes follow their lines of A.
    let ea = g2.edge_attributes.as_ref().unwrap();
    assert_eq!((ea.rows, ea.cols), (3, 2));
    assert_eq!(
        ea.values.iter().step_by(2).copied().collect::<Vec<_>>(),
        vec![5.0, 6.0, 7.0]
    );
}

#[test]
fn tu_malformed_files_name_file_and_line() {
    let cases = [
        ("1, 2\n2, 4\n", "T_A.txt", Some(2)), // edge across graphs
        ("1, 2\n2, 9\n", "T_A.txt", Some(2)), // node id out of range
        ("1, 2\n2 1\n", "T_A.txt", Some(2)),  // one field
        ("1, x\n", "T_A.txt", Some(1)),
    ];
    for (a, file, line) in cases {
        let dir = tempfile::tempdir().unwrap();
        write_tu_fixture(dir.path(), a);
        assert_parse_error(read_tu(dir.path(), "T").unwrap_err(), file, line);
    }
    let dir = tempfile::tempdir().unwrap();
    write_tu_fixture(dir.path(), TU_A);
    std::fs::write(
        dir.path().join("T_coordinates.txt"),
        "1,2,3\n4,5\n1,2,3\n1,2,3\n1,2,3\n",
    )
    .unwrap();
    assert_parse_error(
        read_tu(dir.path(), "T").unwrap_err(),
        "T_coordinates.txt",
        Some(2),
    );
    std::fs::write(dir.path().join("T_coordinates.txt"), "1,2,3\nNaN,5,6\n").unwrap();
    assert_parse_error(
        read_tu(dir.path(), "T").unwrap_err(),
        "T_coordinates.txt",
        Some(2),
    );
    write_tu_fixture(dir.path(), TU_A);
    std::fs::write(dir.path().join("T_node_labels.txt"), "1\n2\n").unwrap();
    assert_parse_error(
        read_tu(dir.path(), "T").unwrap_err(),
        "T_node_labels.txt",
        None,
    );
    std::fs::write(dir.path().join("T_graph_indicator.txt"), "1\n1\n1\n3\n2\n").unwrap();
    assert_parse_error(
        read_tu(dir.path(), "T").unwrap_err(),
        "T_graph_indicator.txt",
        Some(4),
    );
    std::fs::remove_file(dir.path().join("T_A.txt")).unwrap();
    assert!(
        read_tu(dir.path(), "T")
            .unwrap_err()
            .to_string()
            .contains("T_A.txt")
    );
}

#[test]
fn dgcnn_text_round_trip_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    // Two graphs written from known edge lists; parsing gives them back.
    let graphs = [
        (1, vec![4, 7, 4], vec![(0, 1), (1, 2)]),
        (0, vec![0, 0], vec![(0, 1)]),
    ];
    let mut text = format!("{}\n", graphs.len());
    for (label, tags, edges) in &graphs {
        text += &format!("{} {label}\n", tags.len());
        let e = EdgeList::from_pairs(tags.len(), edges)
            .unwrap()
            .build(BuildOptions::default())
            .unwrap();
        let csr = e.to_csr();
        for (i, tag) in tags.iter().enumerate() {
            let nb: Vec<String> = csr.neighbors(i).iter().map(|v| v.to_string()).collect();
            text += &format!("{tag} {} {}\n", nb.len(), nb.join(" ")).replace("  ", " ");
        }
    }
    let path = dir.path().join("G.txt");
    std::fs::write(&path, &text).unwrap();
    let ds = read_dgcnn_text(&path, "G").unwrap();
    assert_eq!(ds.graphs.len(), 2);
    for (g, (label, tags, edges)) in ds.graphs.iter().zip(&graphs) {
        assert_eq!(g.label, *label);
        assert_eq!(&g.node_labels, tags);
        let want = EdgeList::from_pairs(tags.len(), edges)
            .unwrap()
            .build(BuildOptions::default())
            .unwrap();
        assert_eq!(g.edges.build(BuildOptions::default()).unwrap(), want);
        assert_eq!(g.edges.num_edges(), want.num_edges());
    }

    let bad = |name: &str, text: &str, line: Option<usize>| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        assert_parse_error(read_dgcnn_text(&p, "G").unwrap_err(), name, line);
    };
    bad("range.txt", "1\n2 0\n0 1 1\n0 1 2\n", Some(4));
    bad("count.txt", "1\n2 0\n0 2 1\n0 1 0\n", Some(3));
    bad("short.txt", "2\n2 0\n0 1 1\n0 1 0\n", None);
    bad("extra.txt", "1\n1 0\n0 0\n5 5\n", Some(4));
    bad("word.txt", "1\n1 zero\n0 0\n", Some(2));
}

#[test]
fn folds_are_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let w = |n: &str, t: &str| std::fs::write(dir.path().join(n), t).unwrap();
    w("train_idx-1.txt", "0\n2\n");
    w("test_idx-1.txt", "1\n");
    w("train_idx-2.txt", "1\n2\n");
    w("test_idx-2.txt", "0\n");
    let folds = read_tu_folds(dir.path(), 3).unwrap();
    assert_eq!(
        folds,
        vec![
            Fold {
                train: vec![0, 2],
                test: vec![1]
            },
            Fold {
                train: vec![1, 2],
                test: vec![0]
            }
        ]
    );
    assert!(read_tu_folds(dir.path(), 2).is_err());
    w("test_idx-2.txt", "2\n");
    assert!(read_tu_folds(dir.path(), 3).is_err());
}

// -------------------------------------------------------------- registry ----

#[test]
fn registry_explains_missing_files_and_unknown_names() {
    let dev = device();
    let empty = tempfile::tempdir().unwrap();
    let err = load_from(empty.path(), "pubmed", &dev)
        .unwrap_err()
        .to_string();
    assert!(err.contains("planetoid/ind.pubmed.graph"), "{err}");
    assert!(err.contains("planetoid/ind.pubmed.test.index"), "{err}");
    assert!(err.contains("kimiyoung/planetoid"), "{err}");
    let err = load_from(empty.path(), "amazon_photo", &dev)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("amazon_electronics_photo.npz") && err.contains("gnn-benchmark"),
        "{err}"
    );
    let err = load_from(empty.path(), "no_such_set", &dev)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown dataset") && err.contains("firstmm_db"),
        "{err}"
    );
}

// ------------------------------------------------- real files (MANIFEST) ----

fn nodes(ds: Dataset) -> NodeDataset {
    match ds {
        Dataset::Nodes(n) => *n,
        other => panic!("expected a node dataset, got {other:?}"),
    }
}

fn feature_stats(ds: &NodeDataset) -> (usize, usize, usize) {
    let x = gsl_core::tensor::to_vec_f32(ds.graph.features.clone());
    let f = ds.graph.num_features();
    let nnz = x.iter().filter(|&&v| v != 0.0).count();
    let zero_rows = x.chunks(f).filter(|r| r.iter().all(|&v| v == 0.0)).count();
    (f, nnz, zero_rows)
}

#[test]
fn real_planetoid_cora_citeseer_match_manifest() {
    let Some(root) = data_dir("planetoid") else {
        return;
    };
    let dev = device();
    let cora = nodes(load_from(&root, "cora", &dev).unwrap());
    assert_eq!((cora.num_nodes(), cora.edges.num_edges()), (2708, 10556));
    assert_eq!(feature_stats(&cora), (1433, 49216, 0));
    assert_eq!(cora.class_counts(), vec![351, 217, 418, 818, 426, 298, 180]);
    let split = cora.split.as_ref().unwrap();
    assert_eq!(
        (split.train.len(), split.val.len(), split.test.len()),
        (140, 500, 1000)
    );
    assert_eq!(split.val[0], 140);
    assert!(split.test.iter().all(|&t| (1708..2708).contains(&t)));
    assert!(cora.missing_feature_rows.is_empty());

    let cs = nodes(load_from(&root, "citeseer", &dev).unwrap());
    assert_eq!((cs.num_nodes(), cs.edges.num_edges()), (3327, 9104));
    assert_eq!(feature_stats(&cs), (3703, 105165, 15));
    assert_eq!(cs.class_counts(), vec![249, 590, 668, 701, 596, 508]);
    assert_eq!(cs.labels.iter().filter(|&&l| l < 0).count(), 15);
    assert_eq!(cs.missing_feature_rows.len(), 15);
    // The uncovered nodes are exactly the ids in 2312..3327 absent from test.index. (They
    // are not isolated, contrary to MANIFEST §1: e.g. 2407 links to 2352.)
    let test = &cs.split.as_ref().unwrap().test;
    let expected: Vec<usize> = (2312..3327).filter(|v| !test.contains(v)).collect();
    assert_eq!(cs.missing_feature_rows, expected);
    assert_eq!(cs.edges.to_csr().neighbors(2407), &[2352]);
}

#[test]
fn real_planetoid_pubmed_available_parts() {
    let Some(root) = data_dir("planetoid/ind.pubmed.graph") else {
        return;
    };
    let pm = nodes(load_from(&root, "pubmed", &device()).unwrap());
    assert_eq!((pm.num_nodes(), pm.edges.num_edges()), (19717, 88648));
    assert_eq!(pm.class_counts(), vec![4103, 7739, 7875]);
    assert_eq!(pm.graph.num_features(), 500);
    if !root.join("planetoid/ind.pubmed.allx").exists() {
        // Features exist for x (nodes 0..59) and tx (1000 test nodes) only.
        assert_eq!(pm.missing_feature_rows.len(), 19717 - 60 - 1000);
        assert_eq!(pm.missing_feature_rows[0], 60);
    }
}

#[test]
fn real_planetoid_pickle_parts_match_manifest() {
    let Some(root) = data_dir("planetoid") else {
        return;
    };
    let p = root.join("planetoid/ind.cora.x");
    let x = parse_pickle(&std::fs::read(&p).unwrap(), &p)
        .unwrap()
        .as_csr()
        .unwrap();
    assert_eq!((x.rows, x.cols, x.nnz()), (140, 1433, 2647));
    let p = root.join("planetoid/ind.pubmed.tx");
    let tx = parse_pickle(&std::fs::read(&p).unwrap(), &p)
        .unwrap()
        .as_csr()
        .unwrap();
    assert_eq!((tx.rows, tx.cols, tx.nnz()), (1000, 500, 50140));
    // A truncated copy of a real file is an error, not a panic.
    let bytes = std::fs::read(root.join("planetoid/ind.citeseer.graph")).unwrap();
    assert!(parse_pickle(&bytes[..bytes.len() / 3], &p).is_err());
}

#[test]
fn real_npz_cora_citeseer_match_manifest() {
    let Some(root) = data_dir("npz") else { return };
    let dev = device();
    let by_name = |ds: &NodeDataset| -> BTreeMap<String, usize> {
        ds.class_names
            .iter()
            .cloned()
            .zip(ds.class_counts())
            .collect()
    };
    let cora = nodes(load_from(&root, "cora_npz", &dev).unwrap());
    assert_eq!(
        (cora.num_nodes(), cora.num_undirected_edges()),
        (2708, 5278)
    );
    let (f, nnz, _) = feature_stats(&cora);
    assert_eq!((f, nnz), (1433, 49216));
    let want: BTreeMap<String, usize> = [
        ("Case_Based", 298),
        ("Genetic_Algorithms", 418),
        ("Neural_Networks", 818),
        ("Probabilistic_Methods", 426),
        ("Reinforcement_Learning", 217),
        ("Rule_Learning", 180),
        ("Theory", 351),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(by_name(&cora), want);

    let cs = nodes(load_from(&root, "citeseer_npz", &dev).unwrap());
    assert_eq!((cs.num_nodes(), cs.num_undirected_edges()), (3312, 4536));
    let (f, nnz, _) = feature_stats(&cs);
    assert_eq!((f, nnz), (3703, 105165));
    let want: BTreeMap<String, usize> = [
        ("AI", 249),
        ("Agents", 596),
        ("DB", 701),
        ("HCI", 508),
        ("IR", 668),
        ("ML", 590),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(by_name(&cs), want);
}

#[test]
fn real_amazon_photo_matches_manifest() {
    let Some(root) = data_dir("amazon_photo/amazon_electronics_photo.npz") else {
        return;
    };
    let ds = nodes(load_from(&root, "amazon_photo", &device()).unwrap());
    assert_eq!((ds.num_nodes(), ds.num_undirected_edges()), (7650, 119081));
    let (f, nnz, _) = feature_stats(&ds);
    assert_eq!((f, nnz), (745, 1979909));
    let counts: BTreeMap<String, usize> = ds
        .class_names
        .iter()
        .cloned()
        .zip(ds.class_counts())
        .collect();
    assert_eq!(counts["Film Photography"], 369);
    assert_eq!(counts["Digital Cameras"], 1686);
    assert_eq!(counts["Lighting & Studio"], 1941);
    assert_eq!(counts["Flashes"], 331);
    assert_eq!(ds.num_classes, 8);
}

#[test]
fn real_firstmm_db_matches_manifest() {
    let Some(root) = data_dir("tu/FIRSTMM_DB") else {
        return;
    };
    let Dataset::Graphs(ds) = load_from(&root, "firstmm_db", &device()).unwrap() else {
        panic!("expected graphs")
    };
    assert_eq!((ds.graphs.len(), ds.num_nodes()), (41, 56468));
    let sizes: Vec<usize> = ds.graphs.iter().map(|g| g.num_nodes()).collect();
    assert_eq!(
        (*sizes.iter().min().unwrap(), *sizes.iter().max().unwrap()),
        (134, 5037)
    );
    let lines: usize = ds.graphs.iter().map(|g| g.edges.num_edges()).sum();
    assert_eq!(lines, 252062);
    let undirected: usize = ds
        .graphs
        .iter()
        .map(|g| g.num_undirected_edges().unwrap())
        .sum();
    assert_eq!(undirected, 126024);
    let mut node_labels = [0usize; 6];
    ds.graphs
        .iter()
        .flat_map(|g| &g.node_labels)
        .for_each(|&l| node_labels[l as usize] += 1);
    assert_eq!(node_labels, [0, 12492, 10786, 13106, 7195, 12889]);
    let mut classes = [0usize; 12];
    ds.graphs
        .iter()
        .for_each(|g| classes[g.label as usize] += 1);
    assert_eq!(classes, [0, 3, 5, 3, 6, 2, 5, 3, 2, 5, 3, 4]);
    assert_eq!(ds.graph_names.len(), 41);
    for g in &ds.graphs {
        let c = g.coordinates.as_ref().unwrap();
        assert_eq!((c.rows, c.cols), (g.num_nodes(), 3));
        assert!(c.values.iter().all(|v| (-0.4..0.52).contains(v)));
        let e = g.edge_attributes.as_ref().unwrap();
        assert_eq!((e.rows, e.cols), (g.edges.num_edges(), 2));
        assert_eq!(g.node_attributes.as_ref().unwrap().cols, 1);
    }
}

#[test]
fn real_dd_matches_manifest() {
    let Some(root) = data_dir("tu/DD/DD.txt") else {
        return;
    };
    let Dataset::Graphs(ds) = load_from(&root, "dd", &device()).unwrap() else {
        panic!("expected graphs")
    };
    assert_eq!((ds.graphs.len(), ds.num_nodes()), (1178, 334925));
    let listed: usize = ds.graphs.iter().map(|g| g.edges.num_edges()).sum();
    assert_eq!(listed, 2 * 843046);
    // Every edge is listed in both directions, without self-loops or duplicates, so
    // symmetrising changes nothing.
    let strict = BuildOptions {
        symmetrize: false,
        duplicates: gsl_core::Duplicates::Reject,
        self_loops: gsl_core::SelfLoops::Reject,
    };
    for g in ds.graphs.iter().step_by(97) {
        let built = g.edges.build(strict).unwrap();
        assert_eq!(g.edges.build(BuildOptions::default()).unwrap(), built);
    }
    let sizes: Vec<usize> = ds.graphs.iter().map(|g| g.num_nodes()).collect();
    assert_eq!(
        (*sizes.iter().min().unwrap(), *sizes.iter().max().unwrap()),
        (30, 5748)
    );
    assert_eq!(
        sizes.iter().filter(|&&s| (100..=500).contains(&s)).count(),
        918
    );
    assert_eq!(ds.classes(), vec![0, 1]);
    assert_eq!(ds.graphs.iter().filter(|g| g.label == 0).count(), 691);
    let mut tags: Vec<i64> = ds
        .graphs
        .iter()
        .flat_map(|g| g.node_labels.clone())
        .collect();
    tags.sort_unstable();
    tags.dedup();
    assert_eq!((tags.len(), tags[0], *tags.last().unwrap()), (82, 0, 88));
    assert_eq!(ds.folds.len(), 10);
    let mut never_tested = vec![true; 1178];
    for f in &ds.folds {
        assert_eq!((f.train.len(), f.test.len()), (1061, 117));
        f.test.iter().for_each(|&t| never_tested[t] = false);
    }
    let never: Vec<usize> = (0..1178).filter(|&g| never_tested[g]).collect();
    assert_eq!(never, vec![274, 331, 366, 367, 383, 701, 752, 982]);
}

#[test]
fn real_hcp_connectivity_matches_manifest() {
    let Some(root) = data_dir("hcp_group") else {
        return;
    };
    let dev = device();
    let cases = [
        ("hcp_sc", 68, 68, Some(697), 12.615),
        ("hcp_fc", 68, 68, Some(2269), 1.4272),
        ("hcp_sc_with_sctx", 82, 82, Some(1190), 12.615),
        ("hcp_fc_with_sctx", 82, 82, Some(3310), 1.4272),
        ("hcp_sc_sctx", 14, 68, None, 11.163),
        ("hcp_fc_sctx", 14, 68, None, 0.2569),
    ];
    for (name, rows, cols, pairs, max) in cases {
        let Dataset::Connectivity {
            matrix,
            row_names,
            col_names,
        } = load_from(&root, name, &dev).unwrap()
        else {
            panic!("{name}: expected a matrix")
        };
        assert_eq!((matrix.rows, matrix.cols), (rows, cols), "{name}");
        assert_eq!((row_names.len(), col_names.len()), (rows, cols), "{name}");
        assert_eq!(col_names[0], "L_bankssts", "{name}");
        let top = matrix.values.iter().copied().fold(f32::MIN, f32::max);
        assert!((top - max).abs() < 1e-3, "{name}: max {top}");
        if let Some(pairs) = pairs {
            let e = matrix.to_edge_list().unwrap();
            // Symmetric with a zero diagonal: both directions of every nonzero pair.
            assert_eq!(e.num_edges(), 2 * pairs, "{name}");
            for (i, j, w) in e.iter() {
                assert!(
                    (matrix.get(j, i).unwrap() - w).abs() <= 1e-6 * w.abs().max(1.0),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn real_karate_matches_manifest() {
    let Some(root) = data_dir("karate") else {
        return;
    };
    let ds = nodes(load_from(&root, "karate", &device()).unwrap());
    assert_eq!((ds.num_nodes(), ds.num_undirected_edges()), (34, 78));
    let total: f32 = ds.edges.weights().unwrap().iter().sum();
    assert_eq!(total, 2.0 * 231.0);
    assert_eq!(ds.class_counts(), vec![17, 17]);
    assert_eq!(ds.class_names, vec!["Mr. Hi", "Officer"]);
    let csr = ds.edges.to_csr();
    assert_eq!((csr.degree(33), csr.degree(0)), (17, 16));
    assert_eq!(ds.graph.num_features(), 34);
}

#[test]
fn real_mnist_small_matches_manifest() {
    let Some(root) = data_dir("mnist_small") else {
        return;
    };
    let Dataset::Table { features, labels } = load_from(&root, "mnist_small", &device()).unwrap()
    else {
        panic!("expected a table")
    };
    assert_eq!((features.rows, features.cols), (5000, 784));
    let mut counts = [0usize; 10];
    labels.iter().for_each(|&l| counts[l as usize] += 1);
    assert_eq!(counts, [500; 10]);
    let max = features.values.iter().copied().fold(0.0f32, f32::max);
    let mean =
        features.values.iter().map(|&v| v as f64).sum::<f64>() / features.values.len() as f64;
    assert_eq!(max, 255.0);
    assert!((mean - 33.49).abs() < 0.01, "mean {mean}");
}
