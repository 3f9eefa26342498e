//! The TypeScript declarations generated from `tests/support/typed_server.rs`'s traits
//! (`#[events(typescript)]`), checked by the TypeScript compiler of npm `typescript`:
//! - `tests/ts/events.d.ts` is what the traits generate now (regenerate with `UPDATE_TS=1`);
//! - `tests/ts/client.ts` uses them as a socket.io-client user would, and compiles;
//! - each `tests/ts/bad/*.ts` misuses them once, and `tsc` rejects it with the error named in
//!   its first line (`// expect: TS2345 ...`);
//! - the chat demo's page script (`examples/chat/client.js`) checks against its own
//!   generated declarations.

use socketry_tests::typed_server::{ClientEvents, Data, ServerEvents};
use std::path::{Path, PathBuf};
use std::process::Command;

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
}

/// Runs `tsc --strict --noEmit` on `file` (JavaScript checked too), from `dir`.
fn tsc(dir: &Path, file: &str) -> (bool, String) {
    let tsc = tests_dir().join("node_modules/typescript/bin/tsc");
    assert!(
        tsc.is_file(),
        "npm typescript is not installed: the README's test command runs `npm ci --prefix tests`"
    );
    let out = Command::new("node")
        .arg(tsc)
        .args([
            "--strict",
            "--noEmit",
            "--allowJs",
            "--checkJs",
            "--skipLibCheck",
        ])
        .args([
            "--target",
            "es2022",
            "--module",
            "esnext",
            "--moduleResolution",
            "bundler",
        ])
        .args(["--lib", "es2022,dom"])
        .arg(file)
        .current_dir(dir)
        .output()
        .expect("node runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn declarations_are_current() {
    let path = tests_dir().join("ts/events.d.ts");
    let fresh = socketry::typescript::declarations::<
        dyn ClientEvents,
        dyn ServerEvents,
        socketry::Untyped,
        Data,
    >();
    if std::env::var_os("UPDATE_TS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "tests/ts/events.d.ts is out of date: run `UPDATE_TS=1 cargo test -p socketry-tests --test typescript`\n--- now:\n{fresh}"
    );
}

#[test]
fn a_correct_client_compiles() {
    let (ok, out) = tsc(&tests_dir().join("ts"), "client.ts");
    assert!(ok, "tsc rejected tests/ts/client.ts:\n{out}");
}

#[test]
fn each_misuse_is_rejected_with_its_error() {
    let dir = tests_dir().join("ts/bad");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ts"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "the misuse cases are missing");
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        let expect = source
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// expect: "))
            .unwrap_or_else(|| panic!("{} has no `// expect: TSxxxx` first line", path.display()))
            .to_owned();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let (ok, out) = tsc(&dir, &name);
        assert!(!ok, "tsc accepted {name}, which misuses the declarations");
        let code = expect.split_whitespace().next().unwrap();
        assert!(
            out.contains(&format!("error {code}")),
            "{name}: expected {expect}, tsc said:\n{out}"
        );
        let errors = out.matches("error TS").count();
        assert_eq!(errors, 1, "{name}: one error expected, tsc said:\n{out}");
    }
}

#[test]
fn the_chat_page_script_checks_against_its_declarations() {
    let chat = tests_dir().join("../examples/chat");
    if !chat.join("node_modules/socket.io-client").is_dir() {
        panic!(
            "the chat demo's client is not installed: the README's test command runs `npm ci --prefix examples/chat`"
        );
    }
    let (ok, out) = tsc(&chat, "client.js");
    assert!(ok, "tsc rejected examples/chat/client.js:\n{out}");
}
