//! A client's `CONNECT` to a namespace: its session restored or a new one begun, the
//! middlewares, then the socket admitted (made reachable, answered, joined to its rooms with
//! what it missed replayed) or refused.

use super::MiddlewareError;
use super::inner::{Identity, Member, NamespaceInner};
use crate::adapter::{LocalNamespace, RestoredSession, SessionData};
use crate::client::Client;
use crate::handler;
use crate::protocol::socketio::{encode, packet::PacketType};
use crate::protocol::{Sid, Str};
use crate::socket::{DataCell, Socket};
use std::sync::Arc;

impl NamespaceInner {
    /// A client's `CONNECT`: runs the middlewares, then admits the socket or refuses it.
    pub(crate) async fn connect(self: Arc<Self>, client: Arc<Client>, auth: serde_json::Value) {
        let recovery = self.connection_state_recovery();
        // A client coming back with its private id and, if it received an event, the offset
        // of the last one.
        let presented = match &auth["offset"] {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::String(offset) => Ok(Some(offset.as_str())),
            _ => Err(()),
        };
        let restored = match (&recovery, &auth["pid"], presented) {
            (Some(_), serde_json::Value::String(pid), Ok(offset)) => {
                let restored = self.adapter().restore_session(pid, offset).await;
                crate::metrics::recovery(restored.is_some());
                restored
            }
            _ => None,
        };
        let skip_middlewares =
            restored.is_some() && recovery.as_ref().is_some_and(|r| r.skip_middlewares);
        let (socket, restored) = match restored {
            Some(RestoredSession {
                session,
                resume_after,
            }) => {
                tracing::debug!(sid = %session.sid, nsp = %self.name, "connection state recovered");
                let identity = Identity {
                    id: session.sid,
                    pid: Some(session.pid),
                    recovered: true,
                    since: session.since,
                    presented: session.presented,
                };
                let data = self.restored_data(&session.data);
                let socket = Socket::new(self.clone(), client.clone(), auth, data, identity);
                (socket, Some((session.rooms, resume_after)))
            }
            None => {
                let data = self.server.upgrade().map_or_else(
                    || crate::socket::DataCodec::of::<crate::typed::Extensions>().new_cell(),
                    |s| s.data.new_cell(),
                );
                let presented = match (&recovery, &auth["offset"]) {
                    (Some(_), serde_json::Value::String(o)) => Some(Str::from(o.as_str())),
                    _ => None,
                };
                let identity = Identity {
                    id: crate::socket::socket_id(&self.name, client.engine()),
                    pid: recovery
                        .is_some()
                        .then(|| Str::from(Sid::random().as_str())),
                    recovered: false,
                    since: None,
                    presented,
                };
                (
                    Socket::new(self.clone(), client.clone(), auth, data, identity),
                    None,
                )
            }
        };
        let middlewares = if skip_middlewares {
            Vec::new()
        } else {
            self.hooks.middlewares.read().expect("hooks lock").clone()
        };
        for mw in middlewares {
            let result = match futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(
                mw(socket.clone()),
            ))
            .await
            {
                Ok(r) => r,
                Err(payload) => {
                    tracing::error!(
                        sid = %socket.id(),
                        nsp = %self.name,
                        panic = handler::panic_message(&*payload),
                        "a middleware panicked: the connection is refused"
                    );
                    Err(MiddlewareError::new("middleware error"))
                }
            };
            if let Err(err) = result {
                if client.is_closed() {
                    return;
                }
                tracing::debug!(nsp = %self.name, error = %err, "connection refused by a middleware");
                // v5: `{message, data}`; v4 (v2 clients): the data, or else the message.
                let data = match (client.is_v4_protocol(), err.data) {
                    (false, Some(data)) => {
                        serde_json::json!({ "message": err.message, "data": data })
                    }
                    (false, None) => serde_json::json!({ "message": err.message }),
                    (true, Some(data)) => data,
                    (true, None) => serde_json::Value::String(err.message),
                };
                let packet = encode::control(PacketType::ConnectError, &self.name, Some(&data));
                let _ = client.send(&packet, false);
                client.connect_done(&self.name, None);
                return;
            }
        }
        if client.is_closed() {
            client.connect_done(&self.name, None);
            return;
        }
        // Makes the socket reachable and answers its CONNECT.
        let mut attach = || {
            self.sockets.write().expect("sockets lock").insert(
                socket.id(),
                Member {
                    socket: socket.clone(),
                    engine: socket.engine().clone(),
                },
            );
            socket.set_connected();
            client.connect_done(&self.name, Some(socket.clone()));
            // v4 (v2 clients) answers with an empty CONNECT; v5 gives the socket id, and the
            // private id when recovery is on.
            let reply = (!client.is_v4_protocol()).then(|| match socket.pid() {
                Some(pid) => serde_json::json!({ "sid": socket.id(), "pid": pid }),
                None => serde_json::json!({ "sid": socket.id() }),
            });
            let packet = encode::control(PacketType::Connect, &self.name, reply.as_ref());
            let _ = client.send(&packet, false);
        };
        match restored {
            // Rooms joined and missed packets replayed as one step with respect to broadcasts.
            Some((rooms, resume_after)) => {
                self.adapter()
                    .join_restored(&socket.id(), &rooms, &resume_after, &mut attach)
            }
            None => {
                if let Some(since) = self.adapter().join_new(&socket.id(), &mut attach) {
                    socket.set_since(since);
                }
            }
        }
        crate::metrics::socket_connected(&self.name);
        tracing::info!(
            sid = %socket.id(),
            nsp = %self.name,
            session = %client.engine().id(),
            transport = client.engine().transport().as_str(),
            recovered = socket.recovered(),
            "socket connected"
        );
        for h in self.hooks.on_connection.read().expect("hooks lock").clone() {
            let span = tracing::debug_span!("connection", sid = %socket.id(), nsp = %self.name);
            handler::run(h(socket.clone()), span, socket.on_panic("connection"));
        }
        socket.release_early_events();
    }

    /// A restored session's data: the value itself if this node persisted it, else decoded
    /// from its serialized form.
    fn restored_data(&self, data: &SessionData) -> DataCell {
        if let Some(cell) = data.local().and_then(|l| l.clone().downcast().ok()) {
            return cell;
        }
        match self.server.upgrade() {
            Some(server) => server.data.deserialize(data.value().clone()),
            None => crate::socket::DataCodec::of::<crate::typed::Extensions>().new_cell(),
        }
    }
}
