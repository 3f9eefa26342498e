//! Socket.IO packets (protocol v5) in their text form. Pure functions over bytes.
//!
//! `<type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]`, for example
//! `2/chat,12["message","hi"]` or `51-["file",{"_placeholder":true,"num":0}]`; binary
//! attachments follow as separate Engine.IO binary messages.

use crate::protocol::Str;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

pub use crate::protocol::reserved::RESERVED_EVENTS;

/// The most binary attachments one packet may announce by default (the reference parser's
/// `maxAttachments`).
pub const MAX_ATTACHMENTS: usize = 10;

/// The deepest nesting of JSON arrays and objects accepted by default (serde_json's own
/// recursion limit, which its raw-value parser does not apply).
pub const MAX_DEPTH: usize = 128;

/// The most arguments an event or an acknowledgement may carry by default (the event name
/// not counted).
pub const MAX_ARGUMENTS: usize = 1024;

/// What one packet from a client may hold, checked while it is decoded: past any of these,
/// the packet is refused as invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// The most binary attachments it may announce.
    pub attachments: usize,
    /// The deepest nesting of JSON arrays and objects in its data.
    pub depth: usize,
    /// The most arguments of an event (its name not counted) or an acknowledgement.
    pub arguments: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            attachments: MAX_ATTACHMENTS,
            depth: MAX_DEPTH,
            arguments: MAX_ARGUMENTS,
        }
    }
}

/// The type of a packet, its first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketType {
    /// `0`: join a namespace (client), or accept the join (server).
    Connect,
    /// `1`: leave a namespace.
    Disconnect,
    /// `2`: an event.
    Event,
    /// `3`: the answer to an event that asked for one.
    Ack,
    /// `4`: the server refuses a join.
    ConnectError,
    /// `5`: an event with binary attachments.
    BinaryEvent,
    /// `6`: an acknowledgement with binary attachments.
    BinaryAck,
}

impl PacketType {
    fn from_digit(b: u8) -> Option<Self> {
        Some(match b {
            b'0' => PacketType::Connect,
            b'1' => PacketType::Disconnect,
            b'2' => PacketType::Event,
            b'3' => PacketType::Ack,
            b'4' => PacketType::ConnectError,
            b'5' => PacketType::BinaryEvent,
            b'6' => PacketType::BinaryAck,
            _ => return None,
        })
    }

    fn digit(self) -> char {
        match self {
            PacketType::Connect => '0',
            PacketType::Disconnect => '1',
            PacketType::Event => '2',
            PacketType::Ack => '3',
            PacketType::ConnectError => '4',
            PacketType::BinaryEvent => '5',
            PacketType::BinaryAck => '6',
        }
    }

    fn is_binary(self) -> bool {
        matches!(self, PacketType::BinaryEvent | PacketType::BinaryAck)
    }
}

/// The arguments of an event or an acknowledgement: a JSON array kept as text, with the place
/// of each element, so that each can be deserialized straight into its target type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawArgs {
    json: Str,
    ranges: Vec<Range<usize>>,
}

impl RawArgs {
    /// Splits a JSON array into its elements.
    pub fn parse(json: Str) -> Result<Self, ParseError> {
        Self::parse_within(json, usize::MAX)
    }

    /// Splits a JSON array of at most `max` elements into its elements.
    pub fn parse_within(json: Str, max: usize) -> Result<Self, ParseError> {
        let mut de = serde_json::Deserializer::from_str(&json);
        let splitter = Splitter {
            start: json.as_ptr(),
            max,
        };
        let ranges = serde::Deserializer::deserialize_seq(&mut de, splitter)
            .and_then(|ranges| de.end().map(|()| ranges))
            .map_err(|e| {
                if e.to_string().starts_with(TOO_MANY) {
                    ParseError::TooManyArguments
                } else {
                    ParseError::InvalidPayload
                }
            })?;
        Ok(RawArgs { json, ranges })
    }

    /// How many arguments there are.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The JSON text of argument `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.ranges.get(i).map(|r| &self.json[r.clone()])
    }

    /// The JSON text of every argument, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.ranges.iter().map(|r| &self.json[r.clone()])
    }

    /// The arguments from the `n`th on (an event's arguments follow its name).
    pub(crate) fn skip(mut self, n: usize) -> Self {
        self.ranges.drain(..n.min(self.ranges.len()));
        self
    }
}

/// Takes a JSON array's elements as they are (each checked to be valid JSON), giving where each
/// lies in the text that starts at `start`: no element is copied or collected on the way. More
/// than `max` elements is an error that starts with [`TOO_MANY`].
struct Splitter {
    start: *const u8,
    max: usize,
}

/// How the error of an array longer than its [`Splitter`]'s `max` begins.
const TOO_MANY: &str = "too many elements";

impl<'de> serde::de::Visitor<'de> for Splitter {
    type Value = Vec<Range<usize>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Room for an event's name and a handful of arguments in one allocation, where a
        // growing `Vec` would take two or three.
        let mut ranges = Vec::with_capacity(seq.size_hint().unwrap_or(8));
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            if ranges.len() == self.max {
                return Err(serde::de::Error::custom(TOO_MANY));
            }
            let start = raw.get().as_ptr() as usize - self.start as usize;
            ranges.push(start..start + raw.get().len());
        }
        Ok(ranges)
    }
}

/// What a packet carries, checked against its type as the reference parser does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// No data.
    None,
    /// A `CONNECT`'s auth object, as JSON text.
    Auth(Str),
    /// An event: its name and its arguments (the name excluded).
    Event {
        /// The event name (a numeric name is given as its decimal text).
        name: Str,
        /// The arguments after the name.
        args: RawArgs,
    },
    /// An acknowledgement's arguments.
    Ack(RawArgs),
    /// A `CONNECT_ERROR`'s data, as JSON text.
    ConnectError(Str),
}

/// A decoded packet. A binary packet still needs its `attachments` binary messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// The type (binary types included).
    pub kind: PacketType,
    /// The namespace, `/` when absent.
    pub nsp: Str,
    /// The acknowledgement id.
    pub id: Option<u64>,
    /// How many binary attachments follow.
    pub attachments: usize,
    /// The data.
    pub payload: Payload,
}

/// Why a message is not a Socket.IO packet. Any of these closes the client with `parse error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The first character is not a packet type.
    #[error("unknown packet type")]
    UnknownType,
    /// The attachment count is missing or malformed.
    #[error("illegal attachments")]
    IllegalAttachments,
    /// More attachments than [`DecodeLimits::attachments`].
    #[error("more attachments than max_attachments allows")]
    TooManyAttachments,
    /// More arguments than [`DecodeLimits::arguments`].
    #[error("more arguments than max_arguments allows")]
    TooManyArguments,
    /// JSON nested deeper than [`DecodeLimits::depth`].
    #[error("JSON nested deeper than max_json_depth allows")]
    TooDeep,
    /// The ack id does not fit in 64 bits.
    #[error("invalid ack id")]
    InvalidAckId,
    /// The data is not JSON, or not what the packet type needs.
    #[error("invalid payload")]
    InvalidPayload,
    /// An event name the protocol reserves.
    #[error("reserved event name")]
    ReservedEvent,
    /// A binary message arrived when no binary packet awaited one.
    #[error("unexpected binary message")]
    UnexpectedBinary,
    /// A text message arrived while a binary packet still awaited attachments.
    #[error("text message while awaiting attachments")]
    UnexpectedText,
    /// A placeholder names no attachment.
    #[error("invalid attachment placeholder")]
    InvalidPlaceholder,
}

impl Packet {
    /// Decodes a text message within the default [`DecodeLimits`].
    pub fn decode(text: Str) -> Result<Packet, ParseError> {
        Self::decode_with(text, DecodeLimits::default())
    }

    /// Decodes a text message within `limits`.
    pub fn decode_with(text: Str, limits: DecodeLimits) -> Result<Packet, ParseError> {
        let b = text.as_bytes();
        let kind = b
            .first()
            .copied()
            .and_then(PacketType::from_digit)
            .ok_or(ParseError::UnknownType)?;
        let mut i = 1;

        let mut attachments = 0;
        if kind.is_binary() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == start || i >= b.len() || b[i] != b'-' {
                return Err(ParseError::IllegalAttachments);
            }
            // A binary packet announces one attachment at least: `50-[...]` has nothing to wait
            // for and is refused, like a count that is not a number.
            attachments = text[start..i]
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or(ParseError::IllegalAttachments)?;
            if attachments > limits.attachments {
                return Err(ParseError::TooManyAttachments);
            }
            i += 1;
        }

        let nsp = if b.get(i) == Some(&b'/') {
            let start = i;
            while i < b.len() && b[i] != b',' {
                i += 1;
            }
            let nsp = text.slice(start..i);
            if i < b.len() {
                i += 1; // the comma
            }
            nsp
        } else {
            Str::from_static("/")
        };

        let mut id = None;
        if i < b.len() && b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            id = Some(
                text[start..i]
                    .parse::<u64>()
                    .map_err(|_| ParseError::InvalidAckId)?,
            );
        }

        let data = (i < b.len()).then(|| text.slice(i..b.len()));
        if let Some(d) = &data
            && !depth_within(d.as_bytes(), limits.depth)
        {
            return Err(ParseError::TooDeep);
        }
        let payload = match (kind, data) {
            (PacketType::Disconnect, Some(_)) => return Err(ParseError::InvalidPayload),
            (_, None) => Payload::None,
            (PacketType::Connect, Some(d)) => {
                check_json(&d, |first| first == b'{')?;
                Payload::Auth(d)
            }
            (PacketType::ConnectError, Some(d)) => {
                check_json(&d, |first| first == b'{' || first == b'"')?;
                Payload::ConnectError(d)
            }
            (PacketType::Ack | PacketType::BinaryAck, Some(d)) => {
                Payload::Ack(RawArgs::parse_within(d, limits.arguments)?)
            }
            (PacketType::Event | PacketType::BinaryEvent, Some(d)) => {
                let args = RawArgs::parse_within(d, limits.arguments.saturating_add(1))?;
                let name = event_name(&args)?;
                Payload::Event {
                    name,
                    args: args.skip(1),
                }
            }
        };
        Ok(Packet {
            kind,
            nsp,
            id,
            attachments,
            payload,
        })
    }
}

/// Whether the nesting of arrays and objects in JSON text `s` stays within `max`, counting
/// brackets outside strings.
fn depth_within(s: &[u8], max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &c in s {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

/// Checks that `d` is one JSON value whose first character passes `first`.
fn check_json(d: &Str, first: impl Fn(u8) -> bool) -> Result<(), ParseError> {
    let raw: &RawValue = serde_json::from_str(d).map_err(|_| ParseError::InvalidPayload)?;
    match raw.get().as_bytes().first() {
        Some(&c) if first(c) => Ok(()),
        _ => Err(ParseError::InvalidPayload),
    }
}

/// The first element of an event's array: a string that is not reserved, or a number.
fn event_name(args: &RawArgs) -> Result<Str, ParseError> {
    let first = args.get(0).ok_or(ParseError::InvalidPayload)?;
    if first.starts_with('"') {
        let name: Cow<'_, str> =
            serde_json::from_str(first).map_err(|_| ParseError::InvalidPayload)?;
        if RESERVED_EVENTS.contains(&&*name) {
            return Err(ParseError::ReservedEvent);
        }
        return Ok(match name {
            // No escapes: the name is a slice of the message.
            Cow::Borrowed(_) => {
                let r = &args.ranges[0];
                args.json.slice(r.start + 1..r.end - 1)
            }
            Cow::Owned(s) => Str::from(s),
        });
    }
    match serde_json::from_str::<serde_json::Number>(first) {
        Ok(n) => Ok(Str::from(n.to_string())),
        Err(_) => Err(ParseError::InvalidPayload),
    }
}

/// Writes a packet header: type, attachment count, namespace and ack id.
pub fn write_header(
    out: &mut String,
    kind: PacketType,
    attachments: usize,
    nsp: &str,
    id: Option<u64>,
) {
    let kind = match (kind, attachments > 0) {
        (PacketType::Event, true) => PacketType::BinaryEvent,
        (PacketType::Ack, true) => PacketType::BinaryAck,
        (k, _) => k,
    };
    out.push(kind.digit());
    if kind.is_binary() {
        let _ = write!(out, "{attachments}-");
    }
    if nsp != "/" {
        out.push_str(nsp);
        out.push(',');
    }
    if let Some(id) = id {
        let _ = write!(out, "{id}");
    }
}

/// Encodes a packet whose data is already JSON text.
pub fn encode(
    kind: PacketType,
    nsp: &str,
    id: Option<u64>,
    data: Option<&str>,
    attachments: usize,
) -> Str {
    let mut out = String::with_capacity(8 + nsp.len() + data.map_or(0, str::len));
    write_header(&mut out, kind, attachments, nsp, id);
    if let Some(data) = data {
        out.push_str(data);
    }
    Str::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &str) -> Result<Packet, ParseError> {
        Packet::decode(Str::from(s))
    }

    fn args(p: &Packet) -> Vec<String> {
        match &p.payload {
            Payload::Event { args, .. } | Payload::Ack(args) => {
                args.iter().map(str::to_owned).collect()
            }
            _ => panic!("no args in {p:?}"),
        }
    }

    #[test]
    fn connect_packets() {
        let p = decode("0").unwrap();
        assert_eq!(
            (p.kind, &*p.nsp, p.payload),
            (PacketType::Connect, "/", Payload::None)
        );
        let p = decode("0/admin,{\"token\":\"123\"}").unwrap();
        assert_eq!(&*p.nsp, "/admin");
        assert_eq!(p.payload, Payload::Auth(Str::from("{\"token\":\"123\"}")));
        assert_eq!(&*decode("0/random").unwrap().nsp, "/random");
        assert_eq!(decode("0[]"), Err(ParseError::InvalidPayload));
        assert_eq!(decode("0\"x\""), Err(ParseError::InvalidPayload));
    }

    #[test]
    fn event_packets() {
        let p = decode("2[\"message\",1,\"2\",{\"3\":[true]}]").unwrap();
        assert_eq!(p.kind, PacketType::Event);
        assert!(matches!(&p.payload, Payload::Event { name, .. } if &**name == "message"));
        assert_eq!(args(&p), vec!["1", "\"2\"", "{\"3\":[true]}"]);

        let p = decode("2/chat,456[\"a\\\"b\"]").unwrap();
        assert_eq!((&*p.nsp, p.id), ("/chat", Some(456)));
        assert!(matches!(&p.payload, Payload::Event { name, .. } if &**name == "a\"b"));

        let p = decode("2[42,\"x\"]").unwrap();
        assert!(matches!(&p.payload, Payload::Event { name, .. } if &**name == "42"));
    }

    #[test]
    fn binary_packets() {
        let p = decode("52-789[\"m\",{\"_placeholder\":true,\"num\":0}]").unwrap();
        assert_eq!(
            (p.kind, p.attachments, p.id),
            (PacketType::BinaryEvent, 2, Some(789))
        );
        let p = decode("61-/x,3[{\"_placeholder\":true,\"num\":0}]").unwrap();
        assert_eq!(
            (p.kind, &*p.nsp, p.id),
            (PacketType::BinaryAck, "/x", Some(3))
        );
    }

    #[test]
    fn rejects_malformed_packets() {
        assert_eq!(decode(""), Err(ParseError::UnknownType));
        assert_eq!(decode("abc"), Err(ParseError::UnknownType));
        assert_eq!(decode("7"), Err(ParseError::UnknownType));
        assert_eq!(decode("2{}"), Err(ParseError::InvalidPayload));
        assert_eq!(decode("2[]"), Err(ParseError::InvalidPayload));
        assert_eq!(decode("2[null]"), Err(ParseError::InvalidPayload));
        assert_eq!(decode("2[\"a\""), Err(ParseError::InvalidPayload));
        assert_eq!(decode("2abc[\"a\"]"), Err(ParseError::InvalidPayload));
        assert_eq!(decode("2[\"disconnect\"]"), Err(ParseError::ReservedEvent));
        assert_eq!(decode("2[\"connect\"]"), Err(ParseError::ReservedEvent));
        assert_eq!(
            decode("299999999999999999999[\"a\"]"),
            Err(ParseError::InvalidAckId)
        );
        assert_eq!(decode("3{}"), Err(ParseError::InvalidPayload));
        assert_eq!(decode("1{}"), Err(ParseError::InvalidPayload));
        assert_eq!(decode("5[\"a\"]"), Err(ParseError::IllegalAttachments));
        assert_eq!(decode("5x-[\"a\"]"), Err(ParseError::IllegalAttachments));
        assert_eq!(decode("511-[\"a\"]"), Err(ParseError::TooManyAttachments));
        assert_eq!(decode("50-1[\"a\"]"), Err(ParseError::IllegalAttachments));
        assert_eq!(decode("60-1[\"a\"]"), Err(ParseError::IllegalAttachments));
        assert_eq!(decode("500-[\"a\"]"), Err(ParseError::IllegalAttachments));
        assert_eq!(decode("5-1-[\"a\"]"), Err(ParseError::IllegalAttachments));
        assert_eq!(decode("5+1-[\"a\"]"), Err(ParseError::IllegalAttachments));
        let at_most = |attachments| DecodeLimits {
            attachments,
            ..DecodeLimits::default()
        };
        assert_eq!(
            Packet::decode_with(Str::from("53-[\"a\"]"), at_most(2)),
            Err(ParseError::TooManyAttachments)
        );
        assert_eq!(
            Packet::decode_with(Str::from("53-[\"a\"]"), at_most(3)).map(|p| p.attachments),
            Ok(3)
        );
        assert_eq!(decode("4[1]"), Err(ParseError::InvalidPayload));
    }

    #[test]
    fn rejects_json_nested_too_deep() {
        let deep = format!("2[\"a\",{}{}]", "[".repeat(1000), "]".repeat(1000));
        assert_eq!(decode(&deep), Err(ParseError::TooDeep));
        let ok = format!("2[\"a\",{}{}]", "[".repeat(100), "]".repeat(100));
        assert!(decode(&ok).is_ok());
        // Brackets inside strings do not count.
        let s = format!("2[\"a\",\"{}\\\"\"]", "[".repeat(1000));
        assert!(decode(&s).is_ok());
        // The outer array counts: `["a",{"b":[1]}]` is 3 deep.
        let shallow = DecodeLimits {
            depth: 2,
            ..DecodeLimits::default()
        };
        let packet = |s: &str| Packet::decode_with(Str::from(s), shallow);
        assert_eq!(packet("2[\"a\",{\"b\":[1]}]"), Err(ParseError::TooDeep));
        assert!(packet("2[\"a\",{\"b\":1}]").is_ok());
        assert_eq!(packet("0{\"a\":{\"b\":[]}}"), Err(ParseError::TooDeep));
    }

    #[test]
    fn refuses_more_arguments_than_the_limit() {
        let few = DecodeLimits {
            arguments: 2,
            ..DecodeLimits::default()
        };
        let packet = |s: &str| Packet::decode_with(Str::from(s), few);
        // An event's name is not an argument.
        let Ok(Packet {
            payload: Payload::Event { args, .. },
            ..
        }) = packet("2[\"e\",1,2]")
        else {
            panic!("two arguments are within the limit");
        };
        assert_eq!(args.len(), 2);
        assert_eq!(packet("2[\"e\",1,2,3]"), Err(ParseError::TooManyArguments));
        assert!(packet("31[1,2]").is_ok());
        assert_eq!(packet("31[1,2,3]"), Err(ParseError::TooManyArguments));
        // One array argument is one argument, whatever its length.
        assert!(packet("2[\"e\",[1,2,3,4,5]]").is_ok());
        // Past the limit, not valid JSON either: still refused, and as invalid.
        assert_eq!(packet("2[\"e\",1,2,3"), Err(ParseError::TooManyArguments));
        assert_eq!(packet("2[\"e\",1,x]"), Err(ParseError::InvalidPayload));
        let many = format!("2[\"e\"{}]", ",0".repeat(MAX_ARGUMENTS));
        assert!(decode(&many).is_ok());
        let too_many = format!("2[\"e\"{}]", ",0".repeat(MAX_ARGUMENTS + 1));
        assert_eq!(decode(&too_many), Err(ParseError::TooManyArguments));
    }

    #[test]
    fn encodes_headers() {
        assert_eq!(
            &*encode(PacketType::Connect, "/", None, Some("{\"sid\":\"x\"}"), 0),
            "0{\"sid\":\"x\"}"
        );
        assert_eq!(
            &*encode(PacketType::Event, "/chat", Some(12), Some("[\"a\"]"), 0),
            "2/chat,12[\"a\"]"
        );
        assert_eq!(
            &*encode(PacketType::Ack, "/", Some(3), Some("[{}]"), 2),
            "62-3[{}]"
        );
        assert_eq!(
            &*encode(PacketType::Disconnect, "/x", None, None, 0),
            "1/x,"
        );
    }
}
