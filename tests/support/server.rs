//! A test server on a loopback port the OS picks, stopped when dropped.

use axum::Router;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// A running test server; it stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Serves `app` on `127.0.0.1:0` with [`socketry::serve`], as `Server::serve` does.
    pub async fn serve(app: Router) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            socketry::serve(listener, app, std::future::pending())
                .await
                .unwrap();
        });
        TestServer { addr, task }
    }

    /// Serves `app` on `127.0.0.1:0` with `axum::serve`, as an application that merges the
    /// Socket.IO router into its own and serves it with axum would: the other way WebSocket
    /// connections reach a session (through hyper's upgraded stream).
    pub async fn serve_with_axum(app: Router) -> TestServer {
        use axum::serve::ListenerExt;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let task = tokio::spawn(async move {
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app).await.unwrap();
        });
        TestServer { addr, task }
    }

    /// Serves `app` (holding `io`'s router) on `127.0.0.1:0` with [`socketry::Server::serve_app`]
    /// until `shutdown` resolves, as an application would: then the server closes and stops,
    /// and `stopped` runs.
    pub async fn serve_app(
        io: socketry::Server,
        app: Router,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
        stopped: impl FnOnce() + Send + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            io.serve_app(listener, app, shutdown).await.unwrap();
            stopped();
        });
        TestServer { addr, task }
    }

    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
