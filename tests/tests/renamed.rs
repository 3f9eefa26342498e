//! `#[events]` finds the runtime under the name the user's Cargo.toml gives it: a crate that
//! depends on socketry as `sio = { package = "socketry", .. }` compiles without
//! `#[events(crate = "...")]`. (trybuild cannot show it: its projects also depend on
//! `socketry` by name.) The crate is checked with the cargo running the tests, in
//! `target/tests/renamed`.

use std::path::Path;
use std::process::Command;

const MAIN: &str = r#"
#[sio::events]
trait ClientEvents {
    fn chat(text: String) -> u32;
}

#[sio::events]
trait ServerEvents {
    fn news(text: String);
}

fn main() {
    let io = sio::Server::<dyn ClientEvents, dyn ServerEvents>::typed(Default::default());
    io.of("/").on_connection(|socket| async move {
        socket.on().chat(|socket, text, ack| async move {
            let _ = socket.emit().news(&text);
            let _ = ack.send(&1);
        });
    });
}
"#;

#[test]
fn a_renamed_dependency_needs_no_crate_option() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = root.canonicalize().unwrap();
    let dir = root.join("target/tests/renamed");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"renamed\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nsio = {{ package = \"socketry\", path = {:?} }}\n\n[workspace]\n",
            root.join("runtime")
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), MAIN).unwrap();
    // The workspace's versions, so that nothing is resolved anew.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["check", "--quiet", "--offline", "--target-dir", "target"])
        .current_dir(&dir)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "the crate with socketry renamed to sio did not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
