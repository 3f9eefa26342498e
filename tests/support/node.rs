//! Runs a `node --test` file against a server and fails the Rust test if any JS test fails.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// The `tests/` folder (where `package.json` and `node_modules` live).
pub fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `tests/node/{file}` with `node --test`, passing `env` to it. Panics, with the runner's
/// output, when a test fails or the run exceeds `limit`.
pub async fn run(file: &str, env: &[(&str, String)], limit: Duration) {
    let dir = tests_dir();
    assert!(
        dir.join("node_modules").is_dir(),
        "tests/node_modules is missing: run `npm ci --prefix tests` (the README's test command does)"
    );
    let path: PathBuf = Path::new("node").join(file);
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg("--test").arg("--test-reporter=spec");
    // One case by name (see `tests/e2e.rs`).
    if let Ok(case) = std::env::var("E2E_CASE")
        && !case.is_empty()
    {
        cmd.arg(format!("--test-name-pattern={case}"));
    }
    cmd.arg(&path)
        .current_dir(&dir)
        .envs(env.iter().map(|(k, v)| (k, v.as_str())))
        .stdin(Stdio::null())
        .kill_on_drop(true);
    // The runner's output goes straight to the terminal (and CI's log), so that a run that
    // hangs still shows how far it got.
    let mut child = cmd
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node could not be started; is Node.js installed?");
    let status = match tokio::time::timeout(limit, child.wait()).await {
        Ok(status) => status.expect("waiting for node"),
        Err(_) => panic!(
            "node --test {} did not finish within {limit:?}",
            path.display()
        ),
    };
    assert!(
        status.success(),
        "node --test {} failed ({status}); its report is above",
        path.display()
    );
}
