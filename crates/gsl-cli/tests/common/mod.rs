//! Helpers shared by the end-to-end tests of the `gsl` binary.
#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `gsl` binary on Flex with `args`.
pub fn gsl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gsl"))
        .args(args)
        .env("GSL_DEVICE", "flex")
        .output()
        .expect("the gsl binary runs")
}

/// The standard error of a run, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts that a run failed and that its standard error says `needle`.
pub fn assert_fails_with(out: &Output, needle: &str) {
    assert!(!out.status.success(), "the run succeeded");
    let err = stderr(out);
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
}

/// Reads an edge-list CSV written by the CLI (`src,dst,weight` header, one row per edge).
pub fn read_edges_csv(path: &Path) -> Vec<(usize, usize, f32)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("src,dst,weight"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
            )
        })
        .collect()
}
