//! What a namespace runs for each new socket: middlewares, connection handlers, the hook for
//! typed events that do not decode, and a middleware's refusal ([`MiddlewareError`]).

use crate::handler::{ConnectionHandler, Middleware, ServerSideHandler};
use crate::socket::{EventError, Socket};
use serde::Serialize;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, RwLock};

/// A middleware's refusal: the client gets a `connect_error` whose `message` is this message and
/// whose `data` is this data.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MiddlewareError {
    /// `err.message` on the client.
    pub message: String,
    /// `err.data` on the client.
    pub data: Option<serde_json::Value>,
}

impl MiddlewareError {
    /// A refusal with a message.
    pub fn new(message: impl Into<String>) -> Self {
        MiddlewareError {
            message: message.into(),
            data: None,
        }
    }

    /// Adds data for the client (`err.data`).
    pub fn with_data(mut self, data: impl Serialize) -> Self {
        self.data = serde_json::to_value(data).ok();
        self
    }
}

impl fmt::Display for MiddlewareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MiddlewareError {}

type EventErrorHook = Arc<dyn Fn(&Socket, &EventError) + Send + Sync>;

/// What a namespace runs for each new socket; shared by the children of a dynamic namespace.
#[derive(Default)]
pub(crate) struct Hooks {
    pub(crate) middlewares: RwLock<Vec<Middleware>>,
    pub(crate) on_connection: RwLock<Vec<ConnectionHandler>>,
    event_error: RwLock<Option<EventErrorHook>>,
    /// Whether `event_error` is set: read for every event, without the lock.
    has_event_error: std::sync::atomic::AtomicBool,
    /// Handlers of the events other servers send (`serverSideEmit`), by event name.
    pub(crate) server_side: RwLock<std::collections::HashMap<String, ServerSideHandler>>,
}

impl Hooks {
    pub(crate) fn add_connection_handler<
        C: ?Sized + 'static,
        S: ?Sized + 'static,
        D: 'static,
        F,
        Fut,
    >(
        &self,
        handler: F,
    ) where
        F: Fn(Socket<C, S, D>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_connection
            .write()
            .expect("hooks lock")
            .push(Arc::new(move |s: Socket| Box::pin(handler(s.cast()))));
    }

    pub(crate) fn add_middleware<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static, F, Fut>(
        &self,
        middleware: F,
    ) where
        F: Fn(Socket<C, S, D>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), MiddlewareError>> + Send + 'static,
    {
        self.middlewares
            .write()
            .expect("hooks lock")
            .push(Arc::new(move |s: Socket| Box::pin(middleware(s.cast()))));
    }

    pub(crate) fn set_event_error<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static>(
        &self,
        hook: impl Fn(&Socket<C, S, D>, &EventError) + Send + Sync + 'static,
    ) {
        *self.event_error.write().expect("hooks lock") =
            Some(Arc::new(move |s: &Socket, e| hook(&s.cast(), e)));
        self.has_event_error
            .store(true, std::sync::atomic::Ordering::Release);
    }

    pub(crate) fn has_event_error(&self) -> bool {
        self.has_event_error
            .load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn event_error(&self) -> Option<EventErrorHook> {
        self.event_error.read().expect("hooks lock").clone()
    }
}
