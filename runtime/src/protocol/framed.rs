//! [`Framed`]: a text message encoded once for any number of sessions (a broadcast).

use crate::protocol::Str;
use bytes::Bytes;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

/// A text message in its Engine.IO text form (`4` first), shared by every session it is sent
/// to. Cloning it is one reference count.
///
/// Besides the text, it holds the message's WebSocket frame, built by the first WebSocket
/// session that writes it: every other WebSocket receiver writes those same bytes, header
/// included, so a broadcast is framed once, not once per receiver.
///
/// ```
/// use socketry::protocol::Framed;
/// let framed = Framed::new("42[\"news\",1]".into());
/// assert_eq!(framed.as_str(), "42[\"news\",1]");
/// ```
#[derive(Clone)]
pub struct Framed(Arc<Inner>);

struct Inner {
    text: Str,
    ws_frame: OnceLock<Bytes>,
}

impl Framed {
    /// Wraps `text`, which starts with the Engine.IO message type `4`.
    pub fn new(text: Str) -> Self {
        debug_assert!(
            text.starts_with('4'),
            "a framed message starts with its type"
        );
        Framed(Arc::new(Inner {
            text,
            ws_frame: OnceLock::new(),
        }))
    }

    /// The Engine.IO text.
    pub fn text(&self) -> &Str {
        &self.0.text
    }

    /// The WebSocket frame of this message, built by `build` the first time it is asked for.
    pub(crate) fn ws_frame(&self, build: impl FnOnce(&Str) -> Bytes) -> &Bytes {
        self.0.ws_frame.get_or_init(|| build(&self.0.text))
    }
}

impl Deref for Framed {
    type Target = Str;
    fn deref(&self) -> &Str {
        &self.0.text
    }
}

impl PartialEq for Framed {
    fn eq(&self, other: &Self) -> bool {
        self.0.text == other.0.text
    }
}

impl Eq for Framed {}

impl fmt::Debug for Framed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.text, f)
    }
}

impl From<Str> for Framed {
    fn from(text: Str) -> Self {
        Framed::new(text)
    }
}
