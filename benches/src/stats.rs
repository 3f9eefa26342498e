//! Results: one outcome per run, medians over repetitions, and the table.

use crate::scenarios::Scenario;
use crate::servers::Spec;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What one run of one scenario against one server measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The headline rate (connects/s, acks/s, deliveries/s).
    pub rate: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    /// Resident memory per connection, KiB (connect scenario).
    pub rss_per_conn_kib: Option<f64>,
    /// Messages expected but never received.
    pub lost: u64,
    /// CPU used by the server and by this generator, as a share of one core.
    pub server_cpu: f64,
    pub generator_cpu: f64,
    /// The repetition it belongs to, to pair it with `bare`'s run of the same repetition.
    pub rep: usize,
    /// Connect rows: p50 and p99 of the time to the `open` packet, then of the `CONNECT`
    /// after it, µs; where a connect's time goes (it is in the repetition's line, not the table).
    pub phases: Option<[f64; 4]>,
}

impl Outcome {
    pub fn summary(&self) -> String {
        format!(
            "{:.0}/s p50 {:.0} µs p99 {:.0} µs lost {} cpu server {} generator {}",
            self.rate,
            self.p50_us,
            self.p99_us,
            self.lost,
            percent(self.server_cpu),
            percent(self.generator_cpu)
        ) + &self
            .phases
            .map(|[o50, o99, c50, c99]| {
                format!(
                    " · to open p50 {o50:.0} µs p99 {o99:.0} µs, then CONNECT p50 {c50:.0} µs p99 {c99:.0} µs"
                )
            })
            .unwrap_or_default()
    }
}

/// The `q` quantile of sorted samples.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// p50 and p99 of `us`, sorted here.
pub fn p50_p99(mut us: Vec<f64>) -> [f64; 2] {
    us.sort_by(f64::total_cmp);
    [quantile(&us, 0.5), quantile(&us, 0.99)]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    quantile(&v, 0.5)
}

/// The Markdown table: medians over repetitions, and two ratios to `bare`: of the medians, and
/// the median of each repetition's ratio. The second pairs runs made a minute apart, so a slow
/// or fast phase of the machine that lasts longer than one repetition cancels out of it.
pub fn table(
    scenarios: &[Scenario],
    specs: &[Spec],
    results: &BTreeMap<(usize, String), Vec<Outcome>>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| scenario | server | rate (median) | × bare | × bare, paired | p50 µs | p99 µs | p99.9 µs | RSS/conn KiB | lost | server CPU | generator CPU |"
    );
    let _ = writeln!(
        out,
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for (si, scenario) in scenarios.iter().enumerate() {
        let med = |name: &str, f: &dyn Fn(&Outcome) -> f64| {
            results
                .get(&(si, name.to_owned()))
                .map(|v| median(v.iter().map(f).collect()))
        };
        let bare = med("bare", &|o| o.rate);
        let bare_runs = results.get(&(si, "bare".to_owned()));
        for spec in specs {
            let Some(runs) = results.get(&(si, spec.name.clone())) else {
                continue;
            };
            let m = |f: &dyn Fn(&Outcome) -> f64| median(runs.iter().map(f).collect());
            let rate = m(&|o| o.rate);
            let ratio = bare.map_or("–".into(), |b| format!("{:.2}", rate / b));
            let paired = bare_runs
                .map(|bare_runs| {
                    median(
                        runs.iter()
                            .filter_map(|o| {
                                let b = bare_runs.iter().find(|b| b.rep == o.rep)?;
                                Some(o.rate / b.rate)
                            })
                            .collect(),
                    )
                })
                .filter(|r| r.is_finite())
                .map_or("–".into(), |r| format!("{r:.2}"));
            let rss = runs[0]
                .rss_per_conn_kib
                .map(|_| format!("{:.1}", m(&|o| o.rss_per_conn_kib.unwrap_or(f64::NAN))))
                .unwrap_or_else(|| "–".into());
            let lost: u64 = runs.iter().map(|o| o.lost).sum();
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} {} | {} | {} | {:.0} | {:.0} | {:.0} | {} | {} | {} | {} |",
                scenario.label(),
                spec.name,
                rate,
                scenario.unit(),
                ratio,
                paired,
                m(&|o| o.p50_us),
                m(&|o| o.p99_us),
                m(&|o| o.p999_us),
                rss,
                lost,
                percent(m(&|o| o.server_cpu)),
                percent(m(&|o| o.generator_cpu)),
            );
        }
    }
    out
}

/// A share of a core: with a decimal below 10 % (an idle server's heartbeats), whole above.
fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p < 10.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}
