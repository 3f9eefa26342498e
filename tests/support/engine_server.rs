//! The Engine.IO server the `tests/node/engineio*.test.mjs` files run against.
//!
//! One port, several engines with different options, each at its own path:
//! - `/engine.io/`: defaults except a 500 ms upgrade timeout, a cookie, and CORS for any origin;
//! - `/fast/`: a 300 ms ping interval and 1 s ping timeout, for the heartbeat tests;
//! - `/small/`: `max_http_buffer_size` of 100 bytes;
//! - `/guarded/`: an `allow_request` hook that refuses requests without `x-token: secret`;
//! - `/ws-only/`: WebSocket only; `/polling-only/`: long-polling only, no upgrades;
//! - `/doomed/`: shut down on `POST /control/shutdown-doomed`.
//!
//! Every engine echoes messages back, except two commands: `close-me` (the server closes the
//! session) and `flood:N` (the server sends `N` numbered messages). `GET /control/reason/{sid}`
//! answers the reason a session closed with, once it has.

use socketry::cors::CorsLayer;
use socketry::engineio::{
    CloseReason, CookieOptions, EngineHandler, EngineIo, EngineIoConfig, EngineSocket, Message,
    Str, TransportKind,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};

/// Close reasons by session id, shared by all the engines.
#[derive(Debug, Default, Clone)]
pub struct Reasons(Arc<Mutex<HashMap<String, &'static str>>>);

struct Echo {
    reasons: Reasons,
}

impl EngineHandler for Echo {
    fn on_message(&self, socket: &Arc<EngineSocket>, message: Message) {
        if let Message::Text(text) = &message {
            if &**text == "close-me" {
                socket.close();
                return;
            }
            if let Some(n) = text.strip_prefix("flood:") {
                for i in 0..n.parse::<usize>().unwrap_or(0) {
                    let _ = socket.send(Message::Text(Str::from(i.to_string())));
                }
                return;
            }
        }
        let _ = socket.send(message);
    }

    fn on_disconnect(&self, socket: &Arc<EngineSocket>, reason: CloseReason) {
        self.reasons
            .0
            .lock()
            .unwrap()
            .insert(socket.id().to_string(), reason.as_str());
    }
}

pub use crate::server::TestServer;

/// Starts the server on a port the OS picks.
pub async fn start() -> TestServer {
    let reasons = Reasons::default();
    let echo = |reasons: &Reasons| Echo {
        reasons: reasons.clone(),
    };
    // Default heartbeats (25 s) everywhere but `/fast/`: the raw-protocol tests assert exact
    // payloads, which a ping must not slip into however slow the machine.
    let calm = EngineIoConfig::default;
    let main = EngineIo::new(
        calm()
            .upgrade_timeout(Duration::from_millis(500))
            .cookie(CookieOptions::default())
            .cors(CorsLayer::very_permissive()),
        echo(&reasons),
    );
    // Heartbeats every 300 ms, 1 s for the pong: quick to time out, yet not so tight that a
    // loaded machine times out a healthy client.
    let fast = EngineIo::new(
        calm()
            .path("/fast")
            .ping_interval(Duration::from_millis(300))
            .ping_timeout(Duration::from_millis(1000)),
        echo(&reasons),
    );
    let small = EngineIo::new(
        calm().path("/small").max_http_buffer_size(100),
        echo(&reasons),
    );
    let guarded = EngineIo::new(
        calm().path("/guarded").allow_request(|req| async move {
            match req.headers.get("x-token") {
                Some(v) if v == "secret" => Ok(()),
                _ => Err("a token is required".to_owned()),
            }
        }),
        echo(&reasons),
    );
    let ws_only = EngineIo::new(
        calm()
            .path("/ws-only")
            .transports([TransportKind::WebSocket]),
        echo(&reasons),
    );
    let polling_only = EngineIo::new(
        calm()
            .path("/polling-only")
            .transports([TransportKind::Polling])
            .allow_upgrades(false),
        echo(&reasons),
    );
    let doomed = EngineIo::new(calm().path("/doomed"), echo(&reasons));

    let control = Router::new()
        .route(
            "/control/reason/{sid}",
            get(
                |State((reasons, _, _)): State<(Reasons, EngineIo, EngineIo)>,
                 Path(sid): Path<String>| async move {
                    reasons.0.lock().unwrap().get(&sid).copied().unwrap_or("")
                },
            ),
        )
        .route(
            "/control/sessions",
            get(
                |State((_, _, main)): State<(Reasons, EngineIo, EngineIo)>| async move {
                    main.session_count().to_string()
                },
            ),
        )
        .route(
            "/control/shutdown-doomed",
            post(
                |State((_, doomed, _)): State<(Reasons, EngineIo, EngineIo)>| async move {
                    doomed.shutdown();
                    "ok"
                },
            ),
        )
        .with_state((reasons.clone(), doomed.clone(), main.clone()));

    let app = Router::new()
        .merge(main.router())
        .merge(fast.router())
        .merge(small.router())
        .merge(guarded.router())
        .merge(ws_only.router())
        .merge(polling_only.router())
        .merge(doomed.router())
        .merge(control);
    TestServer::serve(app).await
}
