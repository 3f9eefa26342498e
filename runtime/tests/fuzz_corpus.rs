//! The fuzz targets' corpus (`runtime/fuzz/corpus/<target>/`: the seeds, and what fuzzing
//! found worth keeping) replayed through the same checks as the targets, on the stable
//! toolchain: what held under the fuzzer holds in every test run. The WebSocket inputs are
//! also split at every byte.

use std::fs;
use std::path::Path;

fn inputs(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| fs::read(f).expect("a corpus file"))
        .collect()
}

#[test]
fn every_target_holds_on_its_corpus() {
    for (target, check) in socketry::__fuzz::TARGETS {
        let inputs = inputs(target);
        assert!(!inputs.is_empty(), "{target} has a corpus");
        for input in &inputs {
            check(input);
        }
    }
}

#[test]
fn websocket_frames_split_at_every_byte_read_the_same() {
    for input in inputs("websocket_frames") {
        let frames = input.get(2..).unwrap_or_default();
        for split in 0..=frames.len() {
            let mut at = u16::try_from(split)
                .expect("a short input")
                .to_le_bytes()
                .to_vec();
            at.extend_from_slice(frames);
            socketry::__fuzz::websocket_frames(&at);
        }
    }
}

#[test]
fn polling_requests_hold_on_their_corpus() {
    // A whole server, on a runtime whose clock is paused (see `PollingWorld`).
    let world = socketry::__fuzz::PollingWorld::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("a runtime"),
    );
    let inputs = inputs("polling_requests");
    assert!(!inputs.is_empty(), "polling_requests has a corpus");
    for input in &inputs {
        world.check(input);
    }
}
