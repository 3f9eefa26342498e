//! The engine as a tower service, to serve it without an axum `Router` in front.
//!
//! Every request of a client (each poll, each post, each refusal of an unknown session) comes
//! in here, and the engine's own work on most of them is small: a Router's path matching,
//! extractors and response mapping around it cost about as much again. [`EngineService`]
//! sends what is under the engine's path straight to its handler, and everything else to a
//! router.

use super::engine::EngineIo;
use super::service::handle;
use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Layer, Service, ServiceExt};
use tower_http::cors::Cors;

type ResponseFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// The engine's handler as a service, for any request under its path.
#[derive(Clone)]
pub(crate) struct Handle(pub(crate) EngineIo);

impl Service<Request> for Handle {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> ResponseFuture {
        let engine = self.0.clone();
        Box::pin(async move { Ok(handle(engine, req).await) })
    }
}

/// The engine's handler behind the configured CORS layer, or alone.
#[derive(Clone)]
enum Entry {
    Plain(Handle),
    // Boxed: a CORS policy is several times the size of the handler.
    Cors(Box<Cors<Handle>>),
}

/// What is under `{path}/` to the engine (through the CORS layer when one is configured),
/// every other request to `fallback`: the same answers as the engine's router merged into
/// `fallback`, without the router on the engine's path.
#[derive(Clone)]
pub(crate) struct EngineService {
    prefix: Arc<str>,
    entry: Entry,
    fallback: Router,
    /// Paths under `prefix` that are `fallback`'s (the files of the browser client).
    fallback_paths: Arc<[String]>,
}

impl EngineService {
    pub(crate) fn new(engine: &EngineIo, fallback: Router, fallback_paths: Vec<String>) -> Self {
        let config = engine.config();
        let handle = Handle(engine.clone());
        EngineService {
            prefix: Arc::from(format!("{}/", config.path)),
            entry: match &config.cors {
                Some(cors) => Entry::Cors(Box::new(cors.layer(handle))),
                None => Entry::Plain(handle),
            },
            fallback,
            fallback_paths: fallback_paths.into(),
        }
    }

    fn is_engines(&self, path: &str) -> bool {
        path.starts_with(&*self.prefix) && !self.fallback_paths.iter().any(|p| p == path)
    }
}

impl Service<Request> for EngineService {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // The handler is always ready, and so is a Router.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> ResponseFuture {
        if !self.is_engines(req.uri().path()) {
            return Box::pin(self.fallback.clone().oneshot(req));
        }
        match &mut self.entry {
            Entry::Plain(handle) => handle.call(req),
            Entry::Cors(cors) => Box::pin(cors.call(req)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engineio::{EngineHandler, EngineIoConfig, EngineSocket, Message};
    use axum::body::Body;
    use http_body_util::BodyExt;

    struct Nothing;
    impl EngineHandler for Nothing {
        fn on_message(&self, _: &Arc<EngineSocket>, _: Message) {}
    }

    async fn get(service: &EngineService, uri: &str) -> (u16, String) {
        let req = http::Request::get(uri).body(Body::empty()).unwrap();
        let res = service.clone().oneshot(req).await.unwrap();
        let status = res.status().as_u16();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn the_engine_takes_its_path_and_the_fallback_the_rest() {
        let engine = EngineIo::new(EngineIoConfig::default(), Nothing);
        let fallback = Router::new()
            .route("/", axum::routing::get(|| async { "app" }))
            .route(
                "/engine.io/file.js",
                axum::routing::get(|| async { "file" }),
            );
        let service = EngineService::new(&engine, fallback, vec!["/engine.io/file.js".into()]);

        let (status, body) = get(&service, "/engine.io/?EIO=4&transport=polling").await;
        assert_eq!(status, 200);
        assert!(body.starts_with("0{"), "{body}");
        let (status, body) = get(&service, "/engine.io/x?EIO=4&transport=polling&sid=nope").await;
        assert_eq!(
            (status, body.as_str()),
            (400, r#"{"code":1,"message":"Session ID unknown"}"#)
        );
        assert_eq!(
            get(&service, "/engine.io/file.js").await,
            (200, "file".into())
        );
        assert_eq!(get(&service, "/").await, (200, "app".into()));
        // Not under `{path}/`: the engine's router does not take it either.
        assert_eq!(get(&service, "/engine.io").await.0, 404);
        assert_eq!(get(&service, "/engine.iox/").await.0, 404);
    }

    #[tokio::test]
    async fn the_cors_layer_answers_for_the_engine() {
        let config = EngineIoConfig::default().cors(tower_http::cors::CorsLayer::permissive());
        let engine = EngineIo::new(config, Nothing);
        let service = EngineService::new(&engine, Router::new(), Vec::new());
        let req = http::Request::options("/engine.io/?EIO=4&transport=polling")
            .header("origin", "https://example.com")
            .header("access-control-request-method", "GET")
            .body(Body::empty())
            .unwrap();
        let res = service.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["access-control-allow-origin"], "*");
    }
}
