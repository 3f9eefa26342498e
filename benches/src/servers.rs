//! Starting and stopping the servers under test, and reading their memory and CPU.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// How to start one server.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    program: String,
    args: Vec<String>,
    /// Two nodes on the runner's `redis-server`: the sender talks to the first, the receivers
    /// to the second.
    pub cluster: bool,
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    pub port: u16,
    /// The node the sender connects to, when it is not the receivers' (a cluster).
    pub sender_port: Option<u16>,
    child: Child,
    peer: Option<Child>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The servers named in `wanted` (comma-separated), in that order.
pub fn specs(wanted: &str) -> Vec<Spec> {
    let target = root().join("target/release");
    let all = [
        Spec {
            name: "socketry".into(),
            program: target.join("examples/bench_server").display().to_string(),
            args: vec![],
            cluster: false,
        },
        Spec {
            name: "socketry-typed".into(),
            program: target.join("examples/bench_server").display().to_string(),
            args: vec!["--typed".into()],
            cluster: false,
        },
        Spec {
            name: "socketry-untyped-decoded".into(),
            program: target.join("examples/bench_server").display().to_string(),
            args: vec!["--untyped-decoded".into()],
            cluster: false,
        },
        Spec {
            name: "socketry-recovery".into(),
            program: target.join("examples/bench_server").display().to_string(),
            args: vec!["--recovery".into()],
            cluster: false,
        },
        Spec {
            name: "bare".into(),
            program: target.join("bare").display().to_string(),
            args: vec![],
            cluster: false,
        },
        Spec {
            name: "bare-tungstenite".into(),
            program: target.join("bare_tungstenite").display().to_string(),
            args: vec![],
            cluster: false,
        },
        Spec {
            name: "socketioxide".into(),
            program: target.join("socketioxide").display().to_string(),
            args: vec![],
            cluster: false,
        },
        Spec {
            name: "node".into(),
            program: "node".into(),
            args: vec![root().join("benches/node/server.js").display().to_string()],
            cluster: false,
        },
        Spec {
            name: "socketry-cluster".into(),
            program: target.join("examples/bench_server").display().to_string(),
            args: vec!["--redis".into()],
            cluster: true,
        },
        Spec {
            name: "node-cluster".into(),
            program: "node".into(),
            args: vec![root().join("benches/node/server.js").display().to_string()],
            cluster: true,
        },
    ];
    // `socketry-base`: another build of the bench server (a copy of the binary from before a
    // change, named by `SOCKETRY_BASE`), measured interleaved with this one; `socketry-alt`
    // (`SOCKETRY_ALT`) a third, to weigh two candidate changes against the same base.
    let others: Vec<Spec> = [
        ("socketry-base", "SOCKETRY_BASE"),
        ("socketry-alt", "SOCKETRY_ALT"),
    ]
    .into_iter()
    .filter_map(|(name, var)| {
        std::env::var(var).ok().map(|program| Spec {
            name: name.into(),
            program,
            args: vec![],
            cluster: false,
        })
    })
    .collect();
    wanted
        .split(',')
        .filter_map(|w| {
            all.iter()
                .chain(&others)
                .find(|s| s.name == w.trim())
                .cloned()
        })
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(3000)
}

/// Starts a server on core 0 and waits until it accepts connections; a cluster spec, two
/// nodes on `REDIS_URL`.
pub async fn start(spec: &Spec) -> Option<Running> {
    let (port, child) = start_one(spec).await?;
    if !spec.cluster {
        return Some(Running {
            port,
            sender_port: None,
            child,
            peer: None,
        });
    }
    let (receivers, peer) = start_one(spec).await?;
    // Both nodes subscribed before the first broadcast.
    tokio::time::sleep(Duration::from_millis(500)).await;
    Some(Running {
        port: receivers,
        sender_port: Some(port),
        child,
        peer: Some(peer),
    })
}

async fn start_one(spec: &Spec) -> Option<(u16, Child)> {
    let port = free_port();
    let mut cmd = if which("taskset") {
        let mut c = Command::new("taskset");
        c.arg("-c").arg("0").arg(&spec.program);
        c
    } else {
        Command::new(&spec.program)
    };
    cmd.args(&spec.args)
        .env("PORT", port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    match (spec.cluster, REDIS_URL.get()) {
        (true, Some(url)) => cmd.env("REDIS_URL", url),
        (true, None) => return None,
        (false, _) => cmd.env_remove("REDIS_URL"),
    };
    let child = cmd.spawn().ok()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some((port, child));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// The runner's `redis-server`, once started.
static REDIS_URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// A `redis-server` for the cluster rows, on a free port; `REDIS_URL` names it to the nodes.
pub fn start_redis() -> Option<std::process::Child> {
    let port = free_port();
    let child = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    std::thread::sleep(Duration::from_millis(300));
    let _ = REDIS_URL.set(format!("redis://127.0.0.1:{port}"));
    Some(child)
}

impl Running {
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The server's resident memory in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
    }

    /// The server's CPU time so far.
    pub fn cpu(&self) -> Duration {
        self.pid()
            .map_or(Duration::ZERO, |p| cpu_of(&format!("/proc/{p}/stat")))
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        if let Some(mut peer) = self.peer.take() {
            let _ = peer.kill().await;
        }
    }
}

/// The CPU time (user + system) of the process whose `stat` file this is.
pub fn cpu_of(stat_path: &str) -> Duration {
    let Ok(stat) = std::fs::read_to_string(stat_path) else {
        return Duration::ZERO;
    };
    // Fields after the command name (which may hold spaces, in parentheses).
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10) // USER_HZ = 100
}

fn which(program: &str) -> bool {
    std::process::Command::new("which")
        .arg(program)
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Pins this process to `core` (through `taskset`, if the machine has it).
pub fn pin_self_to_core(core: usize) {
    if which("taskset") {
        let _ = std::process::Command::new("taskset")
            .args(["-cp", &core.to_string(), &std::process::id().to_string()])
            .stdout(Stdio::null())
            .status();
    }
}
