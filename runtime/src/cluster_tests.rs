//! The cluster adapter's protocol between servers of one process, over an in-memory
//! transport (an ordered log with offsets, ephemeral messages, responses, kept sessions), with
//! clients of the in-memory harness. What Redis adds (its wire, its outages) is proven end to
//! end in `tests/`; this is the logic between the nodes, checked where a race or a refusal can
//! be arranged on purpose.

use crate::adapter::cluster::message::ClusterMessage;
use crate::adapter::cluster::{
    ClusterAdapter, ClusterTransport, TransportError, WeakClusterAdapter,
};
use crate::adapter::{Adapter, BoxFuture, LocalNamespace};
use crate::harness::{TestClient, quick_config};
use crate::protocol::socketio::Value;
use crate::{ConnectionStateRecovery, Server, ServerConfig, Socket};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Bus {
    nodes: Vec<(String, WeakClusterAdapter)>,
    log: Vec<(String, ClusterMessage)>,
    sessions: HashMap<String, Value>,
}

/// One namespace adapter's side of the bus.
struct Link {
    bus: Arc<Mutex<Bus>>,
    uid: String,
}

fn ready<T: Send + 'static>(v: T) -> BoxFuture<T> {
    Box::pin(std::future::ready(v))
}

impl Link {
    fn others(&self) -> Vec<ClusterAdapter> {
        let bus = self.bus.lock().unwrap();
        bus.nodes
            .iter()
            .filter(|(uid, _)| *uid != self.uid)
            .filter_map(|(_, a)| a.upgrade())
            .collect()
    }
}

impl ClusterTransport for Link {
    fn publish(
        &self,
        message: ClusterMessage,
    ) -> BoxFuture<Result<Option<String>, TransportError>> {
        let offset = {
            let mut bus = self.bus.lock().unwrap();
            // Ids as Redis makes them: the time in ms, then a sequence.
            let ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis();
            let offset = format!("{ms}-{}", bus.log.len());
            bus.log.push((offset.clone(), message.clone()));
            offset
        };
        for node in self.others() {
            node.on_message(Some(&offset), message.clone());
        }
        ready(Ok(Some(offset)))
    }

    fn publish_ephemeral(&self, message: ClusterMessage) -> BoxFuture<Result<(), TransportError>> {
        for node in self.others() {
            node.on_message(None, message.clone());
        }
        ready(Ok(()))
    }

    fn publish_response(
        &self,
        uid: &str,
        message: ClusterMessage,
    ) -> BoxFuture<Result<(), TransportError>> {
        let to = {
            let bus = self.bus.lock().unwrap();
            bus.nodes
                .iter()
                .find(|(u, _)| u == uid)
                .and_then(|(_, a)| a.upgrade())
        };
        if let Some(to) = to {
            to.on_response(message);
        }
        ready(Ok(()))
    }

    fn server_count(&self) -> BoxFuture<Result<usize, TransportError>> {
        ready(Ok(self.bus.lock().unwrap().nodes.len()))
    }

    fn persist_session(
        &self,
        pid: &str,
        session: Value,
        _: Duration,
    ) -> BoxFuture<Result<(), TransportError>> {
        self.bus
            .lock()
            .unwrap()
            .sessions
            .insert(pid.to_owned(), session);
        ready(Ok(()))
    }

    fn take_session(&self, pid: &str) -> BoxFuture<Result<Option<Value>, TransportError>> {
        ready(Ok(self.bus.lock().unwrap().sessions.remove(pid)))
    }

    fn read_log(
        &self,
        after: &str,
        count: usize,
    ) -> BoxFuture<Result<Vec<(String, ClusterMessage)>, TransportError>> {
        let key = |o: &str| -> (u64, u64) {
            let (ms, seq) = o.split_once('-').unwrap_or(("0", "0"));
            (ms.parse().unwrap_or(0), seq.parse().unwrap_or(0))
        };
        let bus = self.bus.lock().unwrap();
        let after = key(after);
        ready(Ok(bus
            .log
            .iter()
            .filter(|(o, _)| key(o) > after)
            .take(count)
            .cloned()
            .collect()))
    }

    fn log_entry(&self, offset: &str) -> BoxFuture<Result<Option<ClusterMessage>, TransportError>> {
        let bus = self.bus.lock().unwrap();
        ready(Ok(bus
            .log
            .iter()
            .find(|(o, _)| o == offset)
            .map(|(_, m)| m.clone())))
    }

    fn last_offset(&self) -> BoxFuture<Result<Option<String>, TransportError>> {
        ready(Ok(self
            .bus
            .lock()
            .unwrap()
            .log
            .last()
            .map(|(o, _)| o.clone())))
    }
}

/// A server whose namespaces are nodes of `bus`'s cluster.
fn node(bus: &Arc<Mutex<Bus>>, recovery: bool) -> Server {
    node_with(bus, recovery.then(ConnectionStateRecovery::default))
}

/// Options whose namespaces join `bus`'s cluster.
fn cluster_config(bus: &Arc<Mutex<Bus>>) -> ServerConfig {
    let bus = bus.clone();
    quick_config().adapter(move |nsp: Arc<dyn LocalNamespace>| {
        let uid = crate::adapter::cluster::packet_wire::random_id();
        let link = Arc::new(Link {
            bus: bus.clone(),
            uid: uid.clone(),
        });
        let adapter = ClusterAdapter::with_uid(uid.clone(), nsp, link, Duration::from_secs(2));
        bus.lock().unwrap().nodes.push((uid, adapter.downgrade()));
        Arc::new(adapter) as Arc<dyn Adapter>
    })
}

fn node_with(bus: &Arc<Mutex<Bus>>, recovery: Option<ConnectionStateRecovery>) -> Server {
    let mut config = cluster_config(bus);
    if let Some(recovery) = recovery {
        config = config.connection_state_recovery(recovery);
    }
    let io = Server::new(config);
    io.of("/").on_connection(|socket: Socket| async move {
        socket.join("r");
        socket.on("say", |socket, args, _| async move {
            let _ = socket.to("r").emit("said", &args);
        });
    });
    io
}

#[tokio::test]
async fn broadcasts_and_acks_cross_nodes_once() {
    let bus = Arc::default();
    let (a, b) = (node(&bus, false), node(&bus, false));
    let mut on_a = TestClient::open(&a).await;
    on_a.connect("/", json!({})).await;
    let mut on_b = TestClient::open(&b).await;
    on_b.connect("/", json!({})).await;
    on_a.emit(r#"["say","hi"]"#).await;
    assert_eq!(on_b.event().await, json!(["said", "hi"]));

    assert_eq!(a.of("/").adapter().server_count().await, 2);
    let asked = a
        .broadcast()
        .timeout(Duration::from_secs(2))
        .emit_with_ack("q", &());
    for c in [&mut on_a, &mut on_b] {
        c.answer_next_ack(r#""yes""#).await;
    }
    let answers = asked.await.unwrap();
    assert_eq!(answers.len(), 2, "one answer from each node: {answers:?}");
    assert!(
        answers
            .iter()
            .all(|(_, a)| a.as_ref().unwrap().get::<String>(0).unwrap() == "yes")
    );
    assert_eq!(a.broadcast().fetch_sockets().await.len(), 2);
}

#[tokio::test]
async fn an_offset_of_another_session_does_not_resume_one_across_nodes() {
    let bus = Arc::default();
    let (a, b) = (node(&bus, true), node(&bus, true));
    let mut mover = TestClient::open(&a).await;
    let answer = mover.connect("/", json!({})).await;
    let pid = answer["pid"].clone();
    // Another socket, alone in its own room, gets an event: its offset is not the mover's.
    let mut other = TestClient::open(&a).await;
    let other_sid = other.connect("/", json!({})).await["sid"].clone();
    a.to(other_sid.as_str().unwrap())
        .emit("private", &1)
        .unwrap();
    let private = other.event().await;
    let foreign = private[2].clone();
    mover.vanish();
    tokio::time::timeout(Duration::from_secs(3), async {
        while a.sockets().len() > 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the drop is seen");
    let mut back = TestClient::open(&b).await;
    let answer = back
        .connect("/", json!({ "pid": pid, "offset": foreign }))
        .await;
    assert_ne!(answer["sid"], json!(null));
    let restored = b.sockets().into_iter().any(|s| s.recovered());
    assert!(!restored, "a foreign offset gives a fresh session");
}

#[tokio::test]
async fn a_broadcast_during_a_restore_reaches_the_client_once() {
    let bus: Arc<Mutex<Bus>> = Arc::default();
    let a = node(&bus, true);
    let b = node_with(
        &bus,
        Some(ConnectionStateRecovery::default().skip_middlewares(false)),
    );
    // While the restore runs (between reading the log and admitting the socket), node A
    // broadcasts to the room: the packet is live for the other sockets, and must reach the
    // restored one too, once.
    let during = a.clone();
    let seen = bus.clone();
    b.of("/").middleware(move |socket: Socket| {
        let (a, bus) = (during.clone(), seen.clone());
        async move {
            if socket.recovered() {
                a.to("r").emit("said", &"during").unwrap();
                // Until node B has delivered it: while this socket is not admitted yet.
                while bus.lock().unwrap().log.len() < 3 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok(())
        }
    });
    let mut mover = TestClient::open(&a).await;
    let answer = mover.connect("/", json!({})).await;
    let pid = answer["pid"].clone();
    a.to("r").emit("said", &"first").unwrap();
    let first = mover.event().await;
    let offset = first[2].clone();
    mover.vanish();
    tokio::time::timeout(Duration::from_secs(3), async {
        while !a.sockets().is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the drop is seen");
    a.to("r").emit("said", &"away").unwrap();
    let mut back = TestClient::open(&b).await;
    back.connect("/", json!({ "pid": pid, "offset": offset }))
        .await;
    let mut heard = Vec::new();
    while let Ok(event) = tokio::time::timeout(Duration::from_millis(500), back.event()).await {
        heard.push(event[1].as_str().unwrap_or("").to_owned());
    }
    assert_eq!(heard, ["away", "during"], "each once, in log order");
}

/// Inter-server events of the typed test below.
#[crate::events]
trait Nodes {
    /// Asks every other node its name.
    fn who(prefix: String) -> String;
    /// Tells the other nodes something.
    fn note(text: String, n: u32);
}

#[tokio::test]
async fn typed_inter_server_events_cross_nodes_and_answer() {
    type Io = Server<crate::Untyped, crate::Untyped, dyn Nodes>;
    let bus: Arc<Mutex<Bus>> = Arc::default();
    let typed = |name: &'static str, notes: Arc<Mutex<Vec<(String, u32)>>>| {
        let io = Io::typed(cluster_config(&bus));
        let ns = io.of("/");
        ns.on_server_side().who(move |prefix, ack| async move {
            let _ = ack.send(&format!("{prefix}{name}"));
        });
        ns.on_server_side().note(move |text, n| {
            let notes = notes.clone();
            async move { notes.lock().unwrap().push((text, n)) }
        });
        io
    };
    let (notes_a, notes_b) = (Arc::default(), Arc::default());
    let a = typed("a", notes_a);
    let b = typed("b", Arc::clone(&notes_b));
    let answers = a.of("/").server_side_emit().who("node ").await.unwrap();
    assert_eq!(
        answers,
        ["node b"],
        "one answer from each other node, decoded"
    );
    a.of("/").server_side_emit().note("hi", 7).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(*notes_b.lock().unwrap(), [("hi".to_owned(), 7)]);
    let _ = b;
}
