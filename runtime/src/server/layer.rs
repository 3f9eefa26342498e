//! [`SocketIoLayer`]: Socket.IO as a tower layer, in front of any service.

use super::Server;
use axum::body::Body;
use bytes::Bytes;
use http::{Request, Response};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::ServiceExt;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A tower [`Layer`](tower::Layer) that serves Socket.IO (the requests under the server's
/// path, `/socket.io` by default) and hands every other request to the service it wraps: so
/// that socketry mounts in any tower stack, a hyper service of your own, an axum app, or
/// anything else tower serves, without being an axum route. Made by [`Server::layer`].
///
/// The responses of both are given with one body type, [`axum::body::Body`].
///
/// ```
/// use socketry::{Server, ServerConfig};
/// use tower::{Layer, ServiceExt};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let io = Server::new(ServerConfig::default());
/// // Any service: here one that answers every request itself.
/// let app = tower::service_fn(|_: http::Request<axum::body::Body>| async {
///     Ok::<_, std::convert::Infallible>(http::Response::new(axum::body::Body::from("the app")))
/// });
/// let service = io.layer().layer(app);
///
/// let handshake = http::Request::get("/socket.io/?EIO=4&transport=polling")
///     .body(axum::body::Body::empty())
///     .unwrap();
/// let response = service.clone().oneshot(handshake).await.unwrap();
/// assert_eq!(response.status(), 200); // socketry's open packet
/// let other = http::Request::get("/").body(axum::body::Body::empty()).unwrap();
/// let response = service.oneshot(other).await.unwrap();
/// let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap();
/// assert_eq!(body.to_bytes(), "the app");
/// # }
/// ```
#[derive(Clone)]
pub struct SocketIoLayer {
    service: crate::engineio::EngineService,
    path: Arc<str>,
}

impl std::fmt::Debug for SocketIoLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIoLayer")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, I: ?Sized + 'static, D: 'static> Server<C, S, I, D> {
    /// This server as a tower layer in front of another service (see [`SocketIoLayer`]).
    pub fn layer(&self) -> SocketIoLayer {
        SocketIoLayer {
            service: self.service(),
            path: Arc::from(self.0.config.engine.path.trim_end_matches('/')),
        }
    }
}

impl<Inner> tower::Layer<Inner> for SocketIoLayer {
    type Service = SocketIoService<Inner>;

    fn layer(&self, inner: Inner) -> Self::Service {
        SocketIoService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service a [`SocketIoLayer`] makes: Socket.IO's requests to socketry, the others to
/// `Inner`.
#[derive(Clone, Debug)]
pub struct SocketIoService<Inner> {
    inner: Inner,
    layer: SocketIoLayer,
}

impl SocketIoLayer {
    /// Whether `path` is the server's path or under it.
    fn serves(&self, path: &str) -> bool {
        path.strip_prefix(&*self.path)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }
}

impl<Inner, B, ResBody> tower::Service<Request<B>> for SocketIoService<Inner>
where
    Inner: tower::Service<Request<B>, Response = Response<ResBody>>,
    Inner::Future: Send + 'static,
    B: axum::body::HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    ResBody: axum::body::HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    type Error = Inner::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Inner::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if self.layer.serves(request.uri().path()) {
            let service = self.layer.service.clone();
            return Box::pin(async move {
                let response = service.oneshot(request.map(Body::new)).await;
                Ok(response.unwrap_or_else(|never| match never {}))
            });
        }
        let response = self.inner.call(request);
        Box::pin(async move { Ok(response.await?.map(Body::new)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_its_path_and_what_is_under_it_only() {
        let io = Server::new(crate::ServerConfig::default());
        let layer = io.layer();
        for path in ["/socket.io", "/socket.io/", "/socket.io/socket.io.js"] {
            assert!(layer.serves(path), "{path}");
        }
        for path in ["/", "/socket.iox", "/socket", "/api/socket.io/"] {
            assert!(!layer.serves(path), "{path}");
        }
    }
}
