//! The layers of `runtime/src` import only downward (see `runtime/docs/architecture.md`):
//!
//! 1. `protocol/`: no async runtime, HTTP server or WebSocket crate, nothing of the crate above;
//! 2. `engineio/`: the protocol only (nothing of Socket.IO, its core or its adapters);
//! 3. `adapter/`: the protocol only (the contract is plain data; never the core or typed);
//! 4. the core: anything below, and of `typed/` only its two marker types;
//! 5. `typed/`: anything.
//!
//! Beside them, `metrics.rs` is a leaf that imports nothing of the crate: the Engine.IO,
//! adapter and core layers call it to count what they do.
//!
//! This test reads the sources and fails, naming file and line, when one of them imports what
//! its layer may not. Comments are skipped (doc links may point anywhere).

use std::fs;
use std::path::{Path, PathBuf};

/// Crates the protocol layer must not use.
const IO_CRATES: &[&str] = &[
    "tokio",
    "tokio_util",
    "hyper",
    "hyper_util",
    "http_body_util",
    "axum",
    "tower",
    "tower_http",
    "tungstenite",
    "tokio_tungstenite",
];

/// The top-level modules of the Socket.IO core.
const CORE: &[&str] = &[
    "ack",
    "broadcast",
    "client",
    "handler",
    "namespace",
    "remote",
    "server",
    "server_side_emit",
    "socket",
];

/// What the core may name of the typed layer.
const TYPED_MARKERS: &[&str] = &["Untyped", "Extensions"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Layer {
    Protocol,
    EngineIo,
    Adapter,
    Core,
    Typed,
    Leaf,
    Root,
}

fn layer_of(relative: &Path) -> Layer {
    let first = relative
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .unwrap_or("");
    let module = first.trim_end_matches(".rs");
    match module {
        "protocol" => Layer::Protocol,
        "engineio" => Layer::EngineIo,
        "adapter" => Layer::Adapter,
        "typed" => Layer::Typed,
        "metrics" => Layer::Leaf,
        m if CORE.contains(&m) => Layer::Core,
        _ => Layer::Root,
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a line: without its `//` comment and without string literals' contents.
fn code_of(line: &str) -> String {
    let mut out = String::new();
    let mut in_str = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_str, c) {
            (false, '/') if chars.peek() == Some(&'/') => break,
            (false, '"') => in_str = true,
            (true, '\\') => {
                chars.next();
            }
            (true, '"') => in_str = false,
            (false, c) => out.push(c),
            (true, _) => {}
        }
    }
    out
}

/// Every path in `code` that starts with `root::` (as a word), with what follows it.
fn paths_after<'a>(code: &'a str, root: &str) -> Vec<&'a str> {
    let needle = format!("{root}::");
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find(&needle) {
        let at = from + i;
        let before = code[..at].chars().next_back();
        let word_start = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        if word_start {
            found.push(&code[at + needle.len()..]);
        }
        from = at + needle.len();
    }
    found
}

fn first_segment(rest: &str) -> &str {
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Why `code` breaks `layer`'s rules, if it does.
fn violations(layer: Layer, code: &str, in_mod_root: bool) -> Vec<String> {
    let mut found = Vec::new();
    let crate_paths = paths_after(code, "crate");
    // In a layer's `mod.rs`, `super::` is the crate root: held to the same rules.
    let super_paths = if in_mod_root {
        paths_after(code, "super")
    } else {
        Vec::new()
    };
    let allowed: &[&str] = match layer {
        Layer::Protocol => &["protocol"],
        Layer::EngineIo => &["protocol", "engineio", "metrics"],
        Layer::Adapter => &["protocol", "adapter", "metrics"],
        Layer::Leaf => &[],
        Layer::Core | Layer::Typed | Layer::Root => &[],
    };
    for rest in crate_paths.iter().chain(super_paths.iter()) {
        for rest in expand_group(rest) {
            check_path(layer, allowed, rest, &mut found);
        }
    }
    if layer == Layer::Protocol {
        for krate in IO_CRATES {
            if !paths_after(code, krate).is_empty() {
                found.push(format!("uses `{krate}`"));
            }
        }
    }
    found
}

/// `{a, b::c}` at the start of `rest` as the paths `a` and `b::c`; anything else as itself.
fn expand_group(rest: &str) -> Vec<&str> {
    let Some(inner) = rest.strip_prefix('{') else {
        return vec![rest];
    };
    let mut depth = 0;
    let mut items = Vec::new();
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(inner[start..i].trim());
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.retain(|i| !i.is_empty());
    items
}

fn check_path(layer: Layer, allowed: &[&str], rest: &str, found: &mut Vec<String>) {
    let segment = first_segment(rest);
    match layer {
        Layer::Protocol | Layer::EngineIo | Layer::Adapter | Layer::Leaf => {
            if !allowed.contains(&segment) {
                found.push(format!("imports `crate::{segment}`"));
            }
        }
        Layer::Core => {
            if segment == "typed" {
                let item = first_segment(rest["typed".len()..].trim_start_matches("::"));
                let items: Vec<&str> = if rest["typed".len()..].starts_with("::{") {
                    let inner = &rest["typed::{".len()..];
                    inner[..inner.find('}').unwrap_or(inner.len())]
                        .split(',')
                        .map(str::trim)
                        .collect()
                } else {
                    vec![item]
                };
                for item in items {
                    if !TYPED_MARKERS.contains(&item) {
                        found.push(format!("the core names `typed::{item}`"));
                    }
                }
            }
            // The public re-exports at the root would smuggle the typed layer in.
            if ["Ack", "events"].contains(&segment) {
                found.push(format!("the core names `crate::{segment}` (typed)"));
            }
        }
        Layer::Typed | Layer::Root => {}
    }
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 40, "the sources were found");
    let mut problems = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let layer = layer_of(relative);
        let in_mod_root = relative.components().count() == 2 && relative.ends_with("mod.rs");
        let text = fs::read_to_string(file).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            for why in violations(layer, &code_of(line), in_mod_root) {
                problems.push(format!("{}:{}: {why}", relative.display(), n + 1));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering rules broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_catches_what_it_should() {
    let bad = [
        (Layer::Protocol, "use tokio::sync::Notify;"),
        (Layer::Protocol, "use crate::engineio::Message;"),
        (Layer::EngineIo, "use crate::socket::Socket;"),
        (Layer::EngineIo, "let x = crate::Server::new(c);"),
        (Layer::Adapter, "use crate::namespace::NamespaceInner;"),
        (Layer::Adapter, "fn f(_: crate::typed::Untyped) {}"),
        (Layer::Core, "use crate::typed::{EmitTarget, Untyped};"),
        (Layer::Core, "use crate::typed::Events;"),
        (Layer::Core, "use crate::{Ack, Server};"),
        (
            Layer::EngineIo,
            "use crate::{protocol::Str, socket::Socket};",
        ),
        (Layer::Adapter, "use crate::{namespace, protocol::Str};"),
    ];
    for (layer, line) in bad {
        assert!(
            !violations(layer, &code_of(line), false).is_empty(),
            "{line:?} passes as {layer:?}"
        );
    }
    let good = [
        (
            Layer::Protocol,
            "use crate::protocol::Str; // crate::engineio::Message",
        ),
        (
            Layer::EngineIo,
            "use crate::protocol::engineio::packet::Packet;",
        ),
        (Layer::Adapter, "use crate::protocol::{SocketId, Str};"),
        (Layer::Core, "use crate::typed::{Extensions, Untyped};"),
        (
            Layer::Core,
            r#"tracing::warn!("see crate::typed::Events");"#,
        ),
        (Layer::Typed, "use crate::namespace::Namespace;"),
        (Layer::Core, "use crate::{AckError, Server, Socket};"),
        (Layer::Adapter, "use crate::{adapter::Room, protocol::Str};"),
    ];
    for (layer, line) in good {
        assert_eq!(
            violations(layer, &code_of(line), false),
            Vec::<String>::new(),
            "{line:?} as {layer:?}"
        );
    }
}
