//! Dynamic namespaces: names matched by a pattern or a predicate, created when a client first
//! joins one, sharing one set of hooks ([`DynamicNamespace`]); and where a client's `CONNECT`
//! finds its namespace.

use super::ServerInner;
use crate::client::Client;
use crate::handler::BoxFuture;
use crate::namespace::{Hooks, Joining, MiddlewareError, NamespaceInner};
use crate::protocol::Str;
use crate::protocol::socketio::{encode, packet::PacketType};
use crate::socket::Socket;
use crate::typed::{Extensions, Untyped};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::Ordering;

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
            .map(Joining::new);
        if let Some(joining) = existing {
            return joining.connect(client, auth).await;
        }
        let parents = self.parents.read().expect("parents lock").clone();
        let mut refusal = "unknown namespace";
        for parent in parents {
            let matched = match &parent.matcher {
                Matcher::Regex(re) => re.is_match(&nsp),
                Matcher::Predicate(p) => p(&nsp, &auth).await,
            };
            if !matched {
                continue;
            }
            let joining = {
                let mut namespaces = self.namespaces.write().expect("namespaces lock");
                let children = self.children.load(Ordering::Acquire);
                match namespaces.get(&nsp) {
                    Some(ns) => Some(Joining::new(ns)),
                    None if children >= self.config.max_child_namespaces => None,
                    None => {
                        let ns =
                            NamespaceInner::new(nsp.clone(), parent.hooks.clone(), &self, true);
                        self.children.store(children + 1, Ordering::Release);
                        let joining = Joining::new(&ns);
                        namespaces.insert(nsp.clone(), ns);
                        Some(joining)
                    }
                }
            };
            if let Some(joining) = joining {
                return joining.connect(client, auth).await;
            }
            tracing::warn!(
                %nsp,
                max = self.config.max_child_namespaces,
                "refusing a namespace: max_child_namespaces exist (raise it, or turn on \
                 cleanup_empty_child_namespaces)"
            );
            refusal = "max_child_namespaces reached";
            break;
        }
        tracing::debug!(%nsp, refusal, "namespace refused");
        let error = serde_json::json!({ "message": "Invalid namespace" });
        let packet = encode::control(PacketType::ConnectError, &nsp, Some(&error));
        let _ = client.send(&packet, false);
        client.connect_done(&nsp, None);
    }

    /// Removes child namespace `name` if it is still there and empty (checked under the
    /// namespaces lock, which every `CONNECT` takes to find its namespace).
    pub(crate) fn remove_child_if_empty(&self, name: &str) {
        let removed = {
            let mut namespaces = self.namespaces.write().expect("namespaces lock");
            match namespaces.get(name) {
                Some(ns) if ns.child && ns.is_empty() => {
                    self.children.fetch_sub(1, Ordering::AcqRel);
                    namespaces.remove(name)
                }
                _ => None,
            }
        };
        if removed.is_some() {
            tracing::debug!(nsp = name, "empty child namespace removed");
        }
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
