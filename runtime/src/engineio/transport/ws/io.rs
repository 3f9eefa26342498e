//! The two halves of an upgraded connection. When hyper was given a plain TCP stream (as
//! [`serve`](crate::serve) gives it) the stream is taken back and split into its own halves,
//! which share no lock; any other connection (one served by `axum::serve`, say) is split
//! around a lock, through hyper's boxed stream.

use bytes::Bytes;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

type Boxed = TokioIo<Upgraded>;

/// The reading half.
pub(crate) enum ReadIo {
    Tcp(OwnedReadHalf),
    Boxed(ReadHalf<Boxed>),
}

/// The writing half.
pub(crate) enum WriteIo {
    Tcp(OwnedWriteHalf),
    Boxed(WriteHalf<Boxed>),
}

/// Splits `upgraded`; also gives the bytes hyper read past the handshake, which come first.
pub(crate) fn split(upgraded: Upgraded) -> (ReadIo, WriteIo, Bytes) {
    match upgraded.downcast::<TokioIo<TcpStream>>() {
        Ok(parts) => {
            let (read, write) = parts.io.into_inner().into_split();
            (ReadIo::Tcp(read), WriteIo::Tcp(write), parts.read_buf)
        }
        Err(upgraded) => {
            let (read, write) = tokio::io::split(TokioIo::new(upgraded));
            (ReadIo::Boxed(read), WriteIo::Boxed(write), Bytes::new())
        }
    }
}

impl AsyncRead for ReadIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ReadIo::Tcp(io) => Pin::new(io).poll_read(cx, buf),
            ReadIo::Boxed(io) => Pin::new(io).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for WriteIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            WriteIo::Tcp(io) => Pin::new(io).poll_write(cx, buf),
            WriteIo::Boxed(io) => Pin::new(io).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            WriteIo::Tcp(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            WriteIo::Boxed(io) => Pin::new(io).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            WriteIo::Tcp(io) => io.is_write_vectored(),
            WriteIo::Boxed(io) => io.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            WriteIo::Tcp(io) => Pin::new(io).poll_flush(cx),
            WriteIo::Boxed(io) => Pin::new(io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            WriteIo::Tcp(io) => Pin::new(io).poll_shutdown(cx),
            WriteIo::Boxed(io) => Pin::new(io).poll_shutdown(cx),
        }
    }
}
