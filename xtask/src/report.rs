//! Timing, table printing and JSON output shared by the benchmark suites.

use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;

/// One measured row of a benchmark table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// What was measured.
    pub name: String,
    /// Problem size in words.
    pub size: String,
    /// Median wall time in milliseconds.
    pub millis: f64,
    /// Achieved rate.
    pub rate: f64,
    /// Unit of `rate` (GFLOP/s, GB/s).
    pub unit: String,
    /// A comparison or note (target, ratio).
    pub note: String,
}

/// Median wall time in seconds of `reps` runs of `f`, after one untimed warm-up run.
pub fn median_secs(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(|a, b| a.total_cmp(b));
    times[times.len() / 2]
}

/// Prints rows as an aligned table.
pub fn print_table(title: &str, rows: &[Row]) {
    println!("\n{title}");
    let header = ["benchmark", "size", "ms", "rate", "unit", "note"];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.size.clone(),
                format!("{:.2}", r.millis),
                format!("{:.2}", r.rate),
                r.unit.clone(),
                r.note.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cols: [&str; 6]| {
        let parts: Vec<String> = cols
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("| {} |", parts.join(" | "));
    };
    line(header);
    let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
    println!("|-{}-|", rule.join("-|-"));
    for row in &cells {
        line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]]);
    }
}

/// Writes `value` as pretty JSON to `target/bench/<suite>.json` (atomically) and returns the path.
pub fn write_json(suite: &str, value: &impl Serialize) -> Result<PathBuf, String> {
    let dir = workspace_root().join("target").join("bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let path = dir.join(format!("{suite}.json"));
    let temp = dir.join(format!(".{suite}.json.tmp"));
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(&temp, text).map_err(|e| format!("writing {}: {e}", temp.display()))?;
    std::fs::rename(&temp, &path).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path)
}

/// The workspace root (the parent of the xtask crate).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// Short description of the machine: CPU model and core count.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} threads")
}

/// Runs the Python reference `benches/python/<script>` with `args` and parses the JSON it prints;
/// `None` (with a message naming `what`, e.g. "numpy/scipy") when Python or a package is
/// missing or the output is not JSON, so a benchmark still reports its own figures.
pub fn run_python_reference(
    script: &str,
    args: &[String],
    what: &str,
) -> Option<serde_json::Value> {
    let path = workspace_root().join("benches/python").join(script);
    match std::process::Command::new("python3")
        .arg(&path)
        .args(args)
        .output()
    {
        Err(e) => {
            eprintln!("skipping the {what} reference: cannot run python3 ({e})");
            None
        }
        Ok(out) if !out.status.success() => {
            eprintln!(
                "skipping the {what} reference: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            None
        }
        Ok(out) => match serde_json::from_slice(&out.stdout) {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("skipping the {what} reference: bad output ({e})");
                None
            }
        },
    }
}

/// Peak resident set size of this process so far (Linux `VmHWM`, KiB); `None` where the kernel
/// does not report it.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
