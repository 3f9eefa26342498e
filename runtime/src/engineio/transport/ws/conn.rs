//! A WebSocket connection in two halves, both done here rather than by a WebSocket library: a
//! server's frames are simple (no mask), and its reads can do without a buffer per connection.
//!
//! - Reading: each read goes into a buffer on the stack and every complete frame in it is
//!   handled at once (see [`read`](super::read)); only an incomplete frame's bytes are kept,
//!   so an idle connection holds no read buffer.
//! - Writing: a broadcast's text, encoded once, is copied straight behind a frame header (or,
//!   when large, written by reference) into the one write a batch takes, with no per-message
//!   framing machinery, lock or extra wake-up per receiver.

use super::frame::{FrameBuf, OP_PONG};
use super::io::{self as ws_io, ReadIo, WriteIo};
use super::read::{Control, FrameParser, ReadError, WsMessage};
use crate::engineio::ConnectionSlot;
use crate::engineio::session::EngineSocket;
use crate::protocol::engineio::packet::{Packet, ProtocolVersion};
use bytes::{Buf, BytesMut};
use hyper::upgrade::Upgraded;
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

/// The most one read takes into the stack buffer.
const STACK_READ: usize = 16 * 1024;

/// The limits and buffer sizes of a WebSocket.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WsConfig {
    /// The largest message (and frame) a client may send.
    pub(crate) max_message: usize,
    /// The most one read takes (at most 16 KiB; a larger frame is read into a buffer of its
    /// own).
    pub(crate) read_size: usize,
    /// The copied bytes a writer gathers before writing in the middle of a batch, and keeps
    /// room for between writes.
    pub(crate) write_buffer: usize,
}

/// An accepted WebSocket: frames in through `reader`, out through `writer`.
pub(crate) struct WsConn {
    pub(crate) reader: WsReader,
    pub(crate) writer: WsWriter,
}

impl WsConn {
    pub(crate) fn new(upgraded: Upgraded, config: WsConfig, slot: Option<ConnectionSlot>) -> Self {
        let (read, write, early) = ws_io::split(upgraded);
        let control = Arc::new(ControlOut::default());
        WsConn {
            reader: WsReader {
                io: read,
                _slot: slot.clone(),
                parser: FrameParser::new(config.max_message),
                unparsed: !early.is_empty(),
                // Copied: `early` is a slice of hyper's read buffer, which it would keep alive
                // (kilobytes, for every idle connection) even empty.
                partial: if early.is_empty() {
                    BytesMut::new()
                } else {
                    BytesMut::from(&early[..])
                },
                read_size: config.read_size.clamp(1, STACK_READ),
                control: control.clone(),
            },
            writer: WsWriter {
                io: write,
                _slot: slot,
                buf: FrameBuf::default(),
                keep: config.write_buffer,
                control,
                attached: false,
                control_due: true,
            },
        }
    }
}

/// Frames the reader answers with (a pong, a close), waiting for the writer.
#[derive(Debug, Default)]
struct ControlOut {
    bytes: Mutex<Vec<u8>>,
    /// Whether `bytes` holds any: checked on every write, locked only when set.
    pending: AtomicBool,
    /// A close frame is among them: the writer sends no other.
    close_sent: AtomicBool,
    /// The session whose writer is woken for them, once there is one.
    session: OnceLock<Weak<EngineSocket>>,
}

impl ControlOut {
    fn push(&self, frame: FrameBuf) {
        self.bytes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(frame.contiguous());
        self.pending.store(true, Ordering::Release);
        if let Some(session) = self.session.get().and_then(Weak::upgrade) {
            session.queue.wake();
        }
    }

    fn push_close(&self, code: Option<u16>) {
        if self.close_sent.swap(true, Ordering::AcqRel) {
            return;
        }
        let mut frame = FrameBuf::default();
        frame.push_close(code);
        self.push(frame);
    }
}

/// The reading half.
pub(crate) struct WsReader {
    io: ReadIo,
    /// The connection's place under `max_connections`: freed once both halves are gone.
    _slot: Option<ConnectionSlot>,
    parser: FrameParser,
    /// `partial` holds frames the client sent with its handshake, not parsed yet.
    unparsed: bool,
    /// The start of a frame that has not all arrived; unallocated between frames.
    partial: BytesMut,
    read_size: usize,
    control: Arc<ControlOut>,
}

impl WsReader {
    /// Reads once, handing every complete message to `on_message` in order. Pings are answered
    /// and a client's close is answered, through the writer.
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        on_message: &mut dyn FnMut(WsMessage),
    ) -> Poll<Result<(), ReadError>> {
        let WsReader {
            io,
            parser,
            unparsed,
            partial,
            read_size,
            control,
            _slot: _,
        } = self;
        let mut on_control = |c: Control| match c {
            Control::Pong(payload) => {
                let mut frame = FrameBuf::default();
                frame.push_control(OP_PONG, &payload);
                control.push(frame);
            }
            Control::Close(code) => control.push_close(code),
        };
        if partial.is_empty() {
            let mut stack = [MaybeUninit::<u8>::uninit(); STACK_READ];
            let mut buf = ReadBuf::uninit(&mut stack[..*read_size]);
            ready!(Pin::new(io).poll_read(cx, &mut buf)).map_err(ReadError::Io)?;
            let data = buf.filled();
            if data.is_empty() {
                return Poll::Ready(Err(ReadError::Eof));
            }
            let used = parser.parse(data, on_message, &mut on_control)?;
            if used < data.len() {
                // The rest of this frame comes in a later read.
                let rest = &data[used..];
                let whole = parser.frame_len(rest)?.unwrap_or(0);
                partial.reserve(whole.max(rest.len()));
                partial.extend_from_slice(rest);
            }
            return Poll::Ready(Ok(()));
        }
        if std::mem::take(unparsed) {
            let used = parser.parse(partial, on_message, &mut on_control)?;
            partial.advance(used);
            if partial.is_empty() {
                *partial = BytesMut::new();
            }
            return Poll::Ready(Ok(()));
        }
        // Room for the rest of the frame, in one piece.
        let whole = parser.frame_len(partial)?.unwrap_or(0);
        partial.reserve(whole.saturating_sub(partial.len()).max(*read_size));
        let n = ready!(tokio_util::io::poll_read_buf(Pin::new(io), cx, partial))
            .map_err(ReadError::Io)?;
        if n == 0 {
            return Poll::Ready(Err(ReadError::Eof));
        }
        let used = parser.parse(partial, on_message, &mut on_control)?;
        partial.advance(used);
        if partial.is_empty() {
            *partial = BytesMut::new();
        }
        Poll::Ready(Ok(()))
    }

    /// Answers a broken frame with a close frame carrying `code`.
    pub(crate) fn send_close(&self, code: u16) {
        self.control.push_close(Some(code));
    }
}

/// Slices handed to one vectored write; more go in the next.
const SLICES_PER_WRITE: usize = 64;

/// Writes all of `frames`, in as few calls as the connection takes. The slices live only for
/// each call, on the stack, so that neither an allocation per write nor their room in every
/// idle connection's writer is needed.
async fn write_all_frames(io: &mut WriteIo, frames: &FrameBuf) -> io::Result<()> {
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
    io: WriteIo,
    _slot: Option<ConnectionSlot>,
    pub(crate) buf: FrameBuf,
    /// The buffer capacity kept between writes, and the size at which a long batch is written
    /// before it is complete (`websocket_write_buffer`).
    keep: usize,
    control: Arc<ControlOut>,
    /// The reader wakes the session's queue when it leaves frames in `control`.
    attached: bool,
    /// Whether the next flush looks at `control`: always until `attached`, then only when the
    /// queue was woken (so that a writer does not touch that line for every batch).
    control_due: bool,
}

impl WsWriter {
    /// Wakes `session`'s writer when the reader has frames to answer with.
    pub(crate) fn attach(&mut self, session: &Arc<EngineSocket>) {
        let _ = self.control.session.set(Arc::downgrade(session));
        self.attached = true;
    }

    /// The session's queue was woken: the reader may have frames to answer with.
    pub(crate) fn control_due(&mut self) {
        self.control_due = true;
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

    /// How many bytes of frames are gathered, not written yet.
    pub(crate) fn pending_len(&self) -> usize {
        self.buf.len()
    }

    /// Adds `packet`'s frame, in `socket`'s protocol.
    pub(crate) fn push(&mut self, socket: &EngineSocket, packet: &Packet) {
        self.push_as(socket.protocol(), socket.b64(), packet);
    }

    /// Adds `packet`'s frame in `protocol` (`b64`: a v3 client that takes binary only as
    /// base64), for a writer that read them from its session once.
    pub(crate) fn push_as(&mut self, protocol: ProtocolVersion, b64: bool, packet: &Packet) {
        self.buf.push_packet(protocol, b64, packet);
    }

    /// Writes out what is gathered, the reader's answers first.
    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        // Cleared only once attached: what the reader pushes after this check wakes the queue,
        // and the writer then calls `control_due`.
        let due = std::mem::replace(&mut self.control_due, !self.attached);
        if due && self.control.pending.swap(false, Ordering::Acquire) {
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

    /// The server's close frame (none when the reader has sent one: the answer to the
    /// client's close, or to a broken frame), then the end of the connection.
    pub(crate) async fn close(&mut self) -> io::Result<()> {
        if !self.control.close_sent.swap(true, Ordering::AcqRel) {
            self.buf.push_close(None);
        }
        // The reader's answer to the client's close, or to a broken frame, goes first.
        self.control_due = true;
        self.flush().await?;
        self.io.shutdown().await
    }
}
