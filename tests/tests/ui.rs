//! Compile-time checks of `#[events]` and the typed API: `ui/pass` must compile, and every file
//! of `ui/fail` must fail with exactly the errors in its `.stderr`.
//!
//! After a deliberate change to a message, regenerate with `TRYBUILD=overwrite cargo test -p
//! socketry-tests --test ui` and read every changed `.stderr`: it is what users will see. The
//! snapshots hold for the toolchain pinned in `rust-toolchain.toml` only. `UI_ONLY=name` runs
//! the cases whose path contains `name`.

#[test]
fn ui() {
    let only = std::env::var("UI_ONLY").unwrap_or_default();
    let cases = |pattern: &str| {
        let mut paths: Vec<_> = glob(pattern);
        paths.retain(|p| p.to_string_lossy().contains(&only));
        paths
    };
    let t = trybuild::TestCases::new();
    for path in cases("ui/pass") {
        t.pass(path);
    }
    for path in cases("ui/fail") {
        t.compile_fail(path);
    }
}

/// The `.rs` files under `dir`, recursively, sorted.
fn glob(dir: &str) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(std::path::Path::new(dir), &mut out);
    out.sort();
    out
}
