//! `serveClient`: the official browser client, served from the `dist/` directory of the npm
//! package `socket.io-client` the application installs, at `<path>/socket.io.js` and its
//! variants, as the reference server serves its own copy.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::routing::get;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The files the reference serves (`/socket.io(.msgpack|.esm)?(.min)?.js(.map)?`), where the
/// package ships them.
pub(crate) const FILES: &[&str] = &[
    "socket.io.js",
    "socket.io.js.map",
    "socket.io.min.js",
    "socket.io.min.js.map",
    "socket.io.esm.min.js",
    "socket.io.esm.min.js.map",
    "socket.io.msgpack.min.js",
    "socket.io.msgpack.min.js.map",
];

/// One file, read once.
struct File {
    body: Bytes,
    content_type: &'static str,
    /// `"<package version>"`, as the reference's (a quoted string, per the standard).
    etag: HeaderValue,
    weak_etag: HeaderValue,
}

/// The routes serving the bundle found in `dir` under `path` (the Socket.IO path). A `dir`
/// without `socket.io.js` is an error in the log, and no route: a page then fails to load
/// its script with a 404 the browser shows, rather than an empty script.
pub(crate) fn routes(path: &str, dir: &Path) -> Router {
    let version = package_version(dir);
    let mut router = Router::new();
    let mut served = 0;
    for name in FILES {
        let Ok(body) = std::fs::read(dir.join(name)) else {
            continue;
        };
        let etag = format!("\"{}\"", version.as_deref().unwrap_or("0"));
        let file = Arc::new(File {
            body: Bytes::from(body),
            content_type: if name.ends_with(".map") {
                "application/json; charset=utf-8"
            } else {
                "application/javascript; charset=utf-8"
            },
            weak_etag: HeaderValue::from_str(&format!("W/{etag}")).expect("an ASCII etag"),
            etag: HeaderValue::from_str(&etag).expect("an ASCII etag"),
        });
        router = router.route(&format!("{path}/{name}"), get(serve).with_state(file));
        served += 1;
    }
    if served == 0 || !dir.join("socket.io.js").is_file() {
        tracing::error!(
            dir = %dir.display(),
            "serve_client: no socket.io.js there; install the client (`npm install socket.io-client`) and give its dist/ directory"
        );
    } else {
        tracing::debug!(dir = %dir.display(), version = ?version, "serving the browser client");
    }
    // As the reference, compressed for a client that accepts it.
    router.layer(
        tower_http::compression::CompressionLayer::new()
            .gzip(true)
            .deflate(true)
            .no_br()
            .no_zstd(),
    )
}

/// The `version` of the `package.json` beside `dir`.
fn package_version(dir: &Path) -> Option<String> {
    let manifest = std::fs::read(dir.parent()?.join("package.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).ok()?;
    let version = manifest.get("version")?.as_str()?;
    // An etag is ASCII without quotes.
    version
        .chars()
        .all(|c| c.is_ascii_graphic() && c != '"')
        .then(|| version.to_owned())
}

async fn serve(State(file): State<Arc<File>>, headers: HeaderMap) -> Response<Body> {
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tag| tag == file.etag || tag == file.weak_etag);
    let builder = Response::builder()
        .header(header::CACHE_CONTROL, "public, max-age=0")
        .header(header::ETAG, file.etag.clone());
    let response = if cached {
        builder.status(StatusCode::NOT_MODIFIED).body(Body::empty())
    } else {
        builder
            .header(header::CONTENT_TYPE, file.content_type)
            .body(Body::from(file.body.clone()))
    };
    response.expect("a valid response")
}

/// Where [`ServerConfig::serve_client`](crate::ServerConfig::serve_client) looks.
pub(crate) fn dist_dir(dir: PathBuf) -> PathBuf {
    // The package's root is accepted too: its bundle is in dist/.
    if !dir.join("socket.io.js").is_file() && dir.join("dist").join("socket.io.js").is_file() {
        dir.join("dist")
    } else {
        dir
    }
}
