//! Runs every server under the same contract, interleaved over repetitions, drives each with a
//! load generator that speaks Engine.IO v4 / Socket.IO v5 over WebSocket itself, and prints one
//! Markdown table of medians, with ratios to the bare WebSocket limit measured in the same run.
//!
//! ```text
//! cargo build --release --example bench_server -p socketry-examples
//! cargo run --release -p socketry-bench -- [--quick] [--reps N] [--servers socketry,socketioxide,bare,node] [--only LABEL]
//! ```
//!
//! Servers run pinned to core 0 (`taskset`), the generator on core 1.

mod client;
mod http;
mod scenarios;
mod servers;
mod stats;

use scenarios::Scenario;
use std::collections::BTreeMap;
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let reps = flag(&args, "--reps")
        .and_then(|v| v.parse().ok())
        .unwrap_or(3usize);
    let wanted =
        flag(&args, "--servers").unwrap_or_else(|| "socketry,socketioxide,bare,node".into());
    servers::pin_self_to_core(1);

    // `--only "broadcast 1000"` keeps the scenarios whose label contains it (for a profile).
    let only = flag(&args, "--only").unwrap_or_default();
    let scenarios: Vec<Scenario> = Scenario::all(quick)
        .into_iter()
        .filter(|s| s.label().contains(&only))
        .collect();
    let specs = servers::specs(&wanted);
    // The cluster rows' Redis, for the whole run.
    let _redis = specs
        .iter()
        .any(|s| s.cluster)
        .then(servers::start_redis)
        .flatten();
    // (scenario, server) → one result per repetition.
    let mut results: BTreeMap<(usize, String), Vec<stats::Outcome>> = BTreeMap::new();
    for rep in 0..reps {
        for (si, scenario) in scenarios.iter().enumerate() {
            // Interleaved, and the order turned by one each repetition (A B C, B C A, …): a
            // noisy moment hits every server alike, and no server is always the one to run
            // first after another row (one A/B moved from 0.86× to 0.98× with the order alone).
            let turn = rep % specs.len().max(1);
            for spec in specs[turn..].iter().chain(&specs[..turn]) {
                if scenario.needs_polling() && spec.name.starts_with("bare") {
                    continue;
                }
                let Some(server) = servers::start(spec).await else {
                    eprintln!("skipping {}: it did not start", spec.name);
                    continue;
                };
                let outcome = stats::Outcome {
                    rep,
                    ..scenario.run(&server).await
                };
                eprintln!(
                    "rep {rep} · {} · {}: {}",
                    scenario.label(),
                    spec.name,
                    outcome.summary()
                );
                results
                    .entry((si, spec.name.clone()))
                    .or_default()
                    .push(outcome);
                server.stop().await;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    println!("{}", stats::table(&scenarios, &specs, &results));
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}
