//! Dynamic namespaces: names matched by a pattern or a predicate, created when a client first
//! joins one, sharing one set of hooks ([`DynamicNamespace`]); and where a client's `CONNECT`
//! finds its namespace.

use super::ServerInner;
use crate::client::Client;
use crate::handler::BoxFuture;
use crate::namespace::{Hooks, MiddlewareError, NamespaceInner};
use crate::protocol::Str;
use crate::protocol::socketio::{encode, packet::PacketType};
use crate::socket::Socket;
use crate::typed::{Extensions, Untyped};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

type Predicate = Arc<dyn Fn(&str, &serde_json::Value) -> BoxFuture<bool> + Send + Sync>;

/// Matches the names of a dynamic namespace.
pub(super) enum Matcher {
    Regex(regex::Regex),
    Predicate(Predicate),
}

pub(super) struct Parent {
    pub(super) matcher: Matcher,
    pub(super) hooks: Arc<Hooks>,
}

impl ServerInner {
    /// A client's `CONNECT` to `nsp`: a static namespace, else the first dynamic one whose
    /// matcher accepts it (created once, however many clients arrive while it is checked).
    pub(crate) async fn connect(
        self: Arc<Self>,
        client: Arc<Client>,
        nsp: Str,
        auth: serde_json::Value,
    ) {
        let existing = self
            .namespaces
            .read()
            .expect("namespaces lock")
            .get(&nsp)
            .cloned();
        if let Some(ns) = existing {
            return ns.connect(client, auth).await;
        }
        let parents = self.parents.read().expect("parents lock").clone();
        for parent in parents {
            let matched = match &parent.matcher {
                Matcher::Regex(re) => re.is_match(&nsp),
                Matcher::Predicate(p) => p(&nsp, &auth).await,
            };
            if matched {
                let ns = self
                    .namespaces
                    .write()
                    .expect("namespaces lock")
                    .entry(nsp.clone())
                    .or_insert_with(|| {
                        NamespaceInner::new(nsp.clone(), parent.hooks.clone(), &self)
                    })
                    .clone();
                return ns.connect(client, auth).await;
            }
        }
        tracing::debug!(%nsp, "unknown namespace");
        let error = serde_json::json!({ "message": "Invalid namespace" });
        let packet = encode::control(PacketType::ConnectError, &nsp, Some(&error));
        let _ = client.send(&packet, false);
        client.connect_done(&nsp, None);
    }
}

/// The handlers and middlewares shared by every namespace of a dynamic namespace.
pub struct DynamicNamespace<
    C: ?Sized = Untyped,
    S: ?Sized = Untyped,
    I: ?Sized = Untyped,
    D = Extensions,
> {
    pub(super) hooks: Arc<Hooks>,
    pub(super) _types: PhantomData<fn(&C, &S, &I) -> D>,
}

impl<C: ?Sized, S: ?Sized, I: ?Sized, D> Clone for DynamicNamespace<C, S, I, D> {
    fn clone(&self) -> Self {
        DynamicNamespace {
            hooks: self.hooks.clone(),
            _types: PhantomData,
        }
    }
}

impl<C: ?Sized, S: ?Sized, I: ?Sized, D> fmt::Debug for DynamicNamespace<C, S, I, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DynamicNamespace")
    }
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, I: ?Sized + 'static, D: 'static>
    DynamicNamespace<C, S, I, D>
{
    /// Registers a connection handler for every matching namespace.
    pub fn on_connection<F, Fut>(&self, handler: F) -> &Self
    where
        F: Fn(Socket<C, S, D>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.hooks.add_connection_handler(handler);
        self
    }

    /// Adds a middleware for every matching namespace.
    pub fn middleware<F, Fut>(&self, middleware: F) -> &Self
    where
        F: Fn(Socket<C, S, D>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), MiddlewareError>> + Send + 'static,
    {
        self.hooks.add_middleware(middleware);
        self
    }

    /// Sets the hook for events whose arguments do not match or whose handler panics, for every matching
    /// namespace (see [`Namespace::on_event_error`](crate::Namespace::on_event_error)).
    pub fn on_event_error(
        &self,
        hook: impl Fn(&Socket<C, S, D>, &crate::EventError) + Send + Sync + 'static,
    ) -> &Self {
        self.hooks.set_event_error(hook);
        self
    }
}
