//! A WebSocket connection in two halves. tungstenite reads frames (and answers the client's
//! pings and close on its own); writing is done here, because a server's frames are simple (no
//! mask) and their bytes are the session's packets: a broadcast's text, encoded once, is copied
//! straight behind a frame header into the one buffer a write takes, with no per-message
//! framing machinery, lock or extra wake-up per receiver.

use super::ws_frame::FrameBuf;
use crate::engineio::packet::Packet;
use crate::engineio::socket::EngineSocket;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf, ReadHalf, WriteHalf};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

type Io = TokioIo<Upgraded>;

/// An accepted WebSocket: frames in through `stream`, out through `writer`.
pub(crate) struct WsConn {
    pub(crate) stream: WebSocketStream<ReadSide>,
    pub(crate) writer: WsWriter,
}

impl WsConn {
    pub(crate) async fn new(io: Io, config: WebSocketConfig) -> Self {
        let (read, write) = tokio::io::split(io);
        let control = Arc::new(ControlOut::default());
        let keep = config.write_buffer_size;
        let stream = WebSocketStream::from_raw_socket(
            ReadSide {
                read,
                control: control.clone(),
            },
            Role::Server,
            Some(config),
        )
        .await;
        WsConn {
            stream,
            writer: WsWriter {
                io: write,
                buf: FrameBuf::default(),
                keep,
                control,
            },
        }
    }
}

/// What tungstenite writes on its own while reading (the pong to a client's ping, the reply to
/// its close), waiting for the writer. Whole frames: tungstenite hands over its buffer at once.
#[derive(Debug, Default)]
struct ControlOut {
    bytes: Mutex<Vec<u8>>,
    /// Whether `bytes` holds any: checked on every write, locked only when set.
    pending: AtomicBool,
    /// The session whose writer is woken for them, once there is one.
    session: OnceLock<Weak<EngineSocket>>,
}

/// The reading half, as tungstenite sees the connection.
pub(crate) struct ReadSide {
    read: ReadHalf<Io>,
    control: Arc<ControlOut>,
}

impl AsyncRead for ReadSide {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.read).poll_read(cx, buf)
    }
}

impl AsyncWrite for ReadSide {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.control
            .bytes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        self.control.pending.store(true, Ordering::Release);
        if let Some(session) = self.control.session.get().and_then(Weak::upgrade) {
            session.queue.wake();
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Slices handed to one vectored write; more go in the next.
const SLICES_PER_WRITE: usize = 64;

/// Writes all of `frames`, in as few calls as the connection takes. The slices live only for
/// each call, on the stack, so that neither an allocation per write nor their room in every
/// idle connection's writer is needed.
async fn write_all_frames(io: &mut WriteHalf<Io>, frames: &FrameBuf) -> io::Result<()> {
    let total = frames.len();
    let mut written = 0;
    while written < total {
        let n = poll_fn(|cx| {
            let mut slices = [IoSlice::new(&[]); SLICES_PER_WRITE];
            let filled = frames.fill_slices(written, &mut slices);
            Pin::new(&mut *io).poll_write_vectored(cx, &slices[..filled])
        })
        .await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        written += n;
    }
    Ok(())
}

/// The writing half: frames gathered in one buffer, written in one call.
pub(crate) struct WsWriter {
    io: WriteHalf<Io>,
    pub(crate) buf: FrameBuf,
    /// The buffer capacity kept between writes, and the size at which a long batch is written
    /// before it is complete (`websocket_write_buffer`).
    keep: usize,
    control: Arc<ControlOut>,
}

impl WsWriter {
    /// Wakes `session`'s writer when tungstenite has frames of its own to send.
    pub(crate) fn attach(&self, session: &Arc<EngineSocket>) {
        let _ = self.control.session.set(Arc::downgrade(session));
    }

    /// Frees the (empty) frame buffer of a writer about to wait.
    pub(crate) fn release_buffer(&mut self) {
        self.buf.clear(0);
    }

    /// Whether enough is copied to write before the batch ends. Frames written by reference
    /// do not count: they take no memory of this connection's own, and a batch written in one
    /// call costs the kernel less than the same bytes in several.
    pub(crate) fn is_full(&self) -> bool {
        self.buf.copied_len() >= self.keep.max(1)
    }

    /// Adds `packet`'s frame, in `socket`'s protocol.
    pub(crate) fn push(&mut self, socket: &EngineSocket, packet: &Packet) {
        self.buf
            .push_packet(socket.protocol(), socket.b64(), packet);
    }

    /// Writes out what is gathered, tungstenite's own frames first.
    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        if self.control.pending.swap(false, Ordering::Acquire) {
            let control =
                std::mem::take(&mut *self.control.bytes.lock().unwrap_or_else(|e| e.into_inner()));
            if !control.is_empty() {
                self.io.write_all(&control).await?;
            }
        }
        if self.buf.is_empty() {
            return Ok(());
        }
        let written = if self.buf.is_contiguous() {
            self.io.write_all(self.buf.contiguous()).await
        } else {
            write_all_frames(&mut self.io, &self.buf).await
        };
        // A burst may have grown the buffer; an idle connection keeps only a small one.
        self.buf.clear(self.keep);
        written
    }

    /// The server's close frame (none when the client closed first: tungstenite has answered
    /// its close already), then the end of the connection.
    pub(crate) async fn close(&mut self, client_closed: bool) -> io::Result<()> {
        if !client_closed {
            self.buf.push_close();
        }
        self.flush().await?;
        self.io.shutdown().await
    }
}
