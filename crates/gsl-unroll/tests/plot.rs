//! Per-layer plots: the PNG is written, decodes to the expected size, and is never silently
//! replaced.

use burn::tensor::Device;
use gsl_data::supervised::{Recipe, SplitSizes, SupervisedDataset};
use gsl_unroll::l2g::{L2gLayer, L2gSpec};
use gsl_unroll::plot::{PlotOptions, layer_matrices, plot_layers, plot_matrices};
use gsl_unroll::unrolled::{UnrollConfig, Unrolled};

fn flex() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

fn data(d: &Device) -> SupervisedDataset {
    Recipe::l2g_ba20(SplitSizes::new(2, 1, 1), 100, 4)
        .build(d)
        .unwrap()
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn plot_is_a_png_of_the_expected_size() {
    let d = flex();
    let data = data(&d);
    let model = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(3), &d).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layers.png");
    let options = PlotOptions {
        panel_size: 40,
        ..PlotOptions::default()
    };
    let summary = plot_layers(&model, &data, 1, &path, &options, &d).unwrap();
    // 3 layers + target = 4 panels in a 2 × 2 grid of 20 nodes × 2 px, gaps of 8 px.
    assert_eq!(summary.panels, 4);
    let side = 2 * 20;
    let expected = (8 + 2 * (side + 8), 8 + 2 * (side + 8));
    assert_eq!((summary.width, summary.height), expected);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(png_size(&bytes), expected);
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn panels_are_the_layer_outputs_and_the_target() {
    let d = flex();
    let data = data(&d);
    let model = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(2), &d).unwrap();
    let (panels, n) = layer_matrices(&model, &data, 0, &d).unwrap();
    assert_eq!((panels.len(), n), (3, 20));
    let batch = data.batch(&[0], &d).unwrap();
    let outputs = model.forward_layers(batch.observation).unwrap();
    assert_eq!(panels[1], gsl_core::tensor::to_vec_f32(outputs[1].clone()));
    assert_eq!(panels[2], gsl_core::tensor::to_vec_f32(batch.target));
}

#[test]
fn refuses_to_overwrite_without_the_flag() {
    let d = flex();
    let data = data(&d);
    let model = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(1), &d).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layers.png");
    std::fs::write(&path, b"keep me").unwrap();
    let mut options = PlotOptions {
        panel_size: 20,
        ..PlotOptions::default()
    };
    assert!(plot_layers(&model, &data, 0, &path, &options, &d).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
    options.overwrite = true;
    plot_layers(&model, &data, 0, &path, &options, &d).unwrap();
    png_size(&std::fs::read(&path).unwrap());
}

#[test]
fn bad_requests_are_errors() {
    let d = flex();
    let data = data(&d);
    let model = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(1), &d).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layers.png");
    let options = PlotOptions::default();
    // Graph index past the dataset (4 graphs).
    assert!(plot_layers(&model, &data, 4, &path, &options, &d).is_err());
    assert!(!path.exists());
    // Bad options.
    let tiny = PlotOptions {
        panel_size: 4,
        ..PlotOptions::default()
    };
    assert!(plot_layers(&model, &data, 0, &path, &tiny, &d).is_err());
    let no_columns = PlotOptions {
        columns: Some(0),
        ..PlotOptions::default()
    };
    assert!(plot_layers(&model, &data, 0, &path, &no_columns, &d).is_err());
    // Bad matrices.
    assert!(plot_matrices(&[], 3, &path, &options).is_err());
    assert!(plot_matrices(&[vec![0.0; 8]], 3, &path, &options).is_err());
    assert!(plot_matrices(&[vec![f32::NAN; 9]], 3, &path, &options).is_err());
    assert!(!path.exists());
}
