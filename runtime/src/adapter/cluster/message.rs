//! The messages of the reference's `ClusterAdapter` (`socket.io-adapter`), what every node of a
//! cluster sends the others: the envelope `{uid, nsp, type, data}` with message types 1 to 13,
//! as plain [`Value`]s, and their two encodings (JSON, or MessagePack when binary data is in
//! them).
//!
//! Decoding accepts what Node nodes write: keys in any order, integers of any width, unknown
//! broadcast flags, absent optional fields. Encoding writes what they read: empty arrays, never
//! absent ones, and `close` always present.

use crate::adapter::{BroadcastFlags, BroadcastOptions, Room};
use crate::protocol::Str;
use crate::protocol::msgpack::{self, MsgpackError};
use crate::protocol::socketio::Value;
use indexmap::IndexMap;

/// A message type of `ClusterAdapter` (`enum MessageType`), numbered as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageType {
    /// 1: a node announcing itself (heartbeat-based adapters only).
    InitialHeartbeat = 1,
    /// 2: a node still alive (heartbeat-based adapters only).
    Heartbeat = 2,
    /// 3: a broadcast, with a `requestId` when it asks for acknowledgements.
    Broadcast = 3,
    /// 4: `socketsJoin`.
    SocketsJoin = 4,
    /// 5: `socketsLeave`.
    SocketsLeave = 5,
    /// 6: `disconnectSockets`.
    DisconnectSockets = 6,
    /// 7: `fetchSockets`.
    FetchSockets = 7,
    /// 8: the answer to `fetchSockets`.
    FetchSocketsResponse = 8,
    /// 9: `serverSideEmit`, with a `requestId` when it asks for acknowledgements.
    ServerSideEmit = 9,
    /// 10: one node's answer to `serverSideEmitWithAck`.
    ServerSideEmitResponse = 10,
    /// 11: how many clients a broadcast with acknowledgements reached on one node.
    BroadcastClientCount = 11,
    /// 12: one client's acknowledgement of a broadcast.
    BroadcastAck = 12,
    /// 13: a node leaving (heartbeat-based adapters only).
    AdapterClose = 13,
}

impl MessageType {
    /// The type numbered `n`.
    pub fn from_number(n: u64) -> Option<Self> {
        use MessageType::*;
        Some(match n {
            1 => InitialHeartbeat,
            2 => Heartbeat,
            3 => Broadcast,
            4 => SocketsJoin,
            5 => SocketsLeave,
            6 => DisconnectSockets,
            7 => FetchSockets,
            8 => FetchSocketsResponse,
            9 => ServerSideEmit,
            10 => ServerSideEmitResponse,
            11 => BroadcastClientCount,
            12 => BroadcastAck,
            13 => AdapterClose,
            _ => return None,
        })
    }

    /// Its number on the wire.
    pub fn number(self) -> u64 {
        self as u64
    }
}

/// One message between nodes: who sent it (`uid`, one per namespace adapter), for which
/// namespace, its type and its `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterMessage {
    /// The sending adapter's id (16 hex characters; `"emitter"` for an emitter).
    pub uid: String,
    /// The namespace.
    pub nsp: String,
    /// The message type.
    pub kind: MessageType,
    /// Its `data` (`Null` for the types that carry none).
    pub data: Value,
}

/// Why bytes or values are not a cluster message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// Not JSON.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// Not base64.
    #[error("invalid base64")]
    Base64,
    /// Not MessagePack.
    #[error(transparent)]
    Msgpack(#[from] MsgpackError),
    /// A field is missing or has the wrong type.
    #[error("invalid cluster message: {0}")]
    Shape(&'static str),
}

impl ClusterMessage {
    /// A message of `kind` from `uid` in `nsp`.
    pub fn new(uid: &str, nsp: &str, kind: MessageType, data: Value) -> Self {
        ClusterMessage {
            uid: uid.to_owned(),
            nsp: nsp.to_owned(),
            kind,
            data,
        }
    }

    /// The whole message as one value, `{uid, nsp, type, data}` (what goes over pub/sub).
    pub fn to_value(&self) -> Value {
        let mut map = IndexMap::new();
        map.insert("uid".to_owned(), Value::from(self.uid.as_str()));
        map.insert("nsp".to_owned(), Value::from(self.nsp.as_str()));
        map.insert("type".to_owned(), Value::Number(self.kind.number().into()));
        if !self.data.is_null() {
            map.insert("data".to_owned(), self.data.clone());
        }
        Value::Object(map)
    }

    /// A message from its whole value.
    pub fn from_value(value: Value) -> Result<Self, MessageError> {
        let Value::Object(mut map) = value else {
            return Err(MessageError::Shape("a message is a map"));
        };
        let text = |v: Option<Value>, what| match v {
            Some(Value::Text(s)) => Ok(s),
            _ => Err(MessageError::Shape(what)),
        };
        let uid = text(map.shift_remove("uid"), "uid")?;
        let nsp = text(map.shift_remove("nsp"), "nsp")?;
        let kind = match map.shift_remove("type") {
            Some(Value::Number(n)) => n.as_u64().and_then(MessageType::from_number),
            Some(Value::Text(s)) => s.parse().ok().and_then(MessageType::from_number),
            _ => None,
        }
        .ok_or(MessageError::Shape("type"))?;
        let data = map.shift_remove("data").unwrap_or_default();
        Ok(ClusterMessage {
            uid,
            nsp,
            kind,
            data,
        })
    }

    /// The whole message as MessagePack (pub/sub).
    pub fn to_msgpack(&self) -> Vec<u8> {
        msgpack::encode(&self.to_value())
    }

    /// A message from MessagePack (pub/sub).
    pub fn from_msgpack(bytes: &[u8]) -> Result<Self, MessageError> {
        Self::from_value(msgpack::decode(bytes)?)
    }
}

/// A stream entry's `data` field: JSON, or base64 MessagePack when it holds binary data (what
/// the reference's streams adapter writes).
pub fn encode_data(data: &Value) -> String {
    use base64::Engine as _;
    if data.has_binary() {
        base64::engine::general_purpose::STANDARD.encode(msgpack::encode(data))
    } else {
        serde_json::to_string(data).expect("a value without binary is JSON")
    }
}

/// A stream entry's `data` field back: JSON when it starts with `{`, base64 MessagePack
/// otherwise.
pub fn decode_data(field: &str) -> Result<Value, MessageError> {
    use base64::Engine as _;
    if field.starts_with('{') {
        return serde_json::from_str(field).map_err(|e| MessageError::Json(e.to_string()));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(field)
        .map_err(|_| MessageError::Base64)?;
    Ok(msgpack::decode(&bytes)?)
}

/// Broadcast options as the reference encodes them (`encodeOptions`): `{rooms, except, flags}`,
/// with `timeout` (ms) among the flags of a broadcast with acknowledgements.
pub fn encode_options(opts: &BroadcastOptions, timeout_ms: Option<u64>) -> Value {
    let rooms = |rooms: &[Room]| Value::Array(rooms.iter().map(|r| Value::from(&**r)).collect());
    let mut flags = IndexMap::new();
    if opts.flags.volatile {
        flags.insert("volatile".to_owned(), Value::Bool(true));
    }
    if !opts.flags.compress {
        flags.insert("compress".to_owned(), Value::Bool(false));
    }
    if let Some(ms) = timeout_ms {
        flags.insert("timeout".to_owned(), Value::Number(ms.into()));
    }
    let mut map = IndexMap::new();
    map.insert("rooms".to_owned(), rooms(&opts.rooms));
    map.insert("except".to_owned(), rooms(&opts.except));
    map.insert("flags".to_owned(), Value::Object(flags));
    Value::Object(map)
}

/// Broadcast options back, and the `timeout` flag (ms) if there is one. Unknown flags are
/// ignored; absent arrays are empty.
pub fn decode_options(value: &Value) -> (BroadcastOptions, Option<u64>) {
    let rooms = |v: &Value| -> Vec<Room> {
        v.as_array()
            .map(|a| a.iter().filter_map(|r| r.as_str()).map(Str::from).collect())
            .unwrap_or_default()
    };
    let flags = &value["flags"];
    let decoded = BroadcastFlags {
        volatile: flags["volatile"].as_bool().unwrap_or(false),
        compress: flags["compress"].as_bool().unwrap_or(true),
        ..Default::default()
    };
    let opts = BroadcastOptions {
        rooms: rooms(&value["rooms"]),
        except: rooms(&value["except"]),
        flags: decoded,
    };
    (opts, flags["timeout"].as_u64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_plain_broadcast_entry_reads_and_writes_as_the_reference_does() {
        // shared/design/cluster-wire.md §2.
        let field = r#"{"packet":{"type":2,"data":["room-broadcast",{"room":"room1","from":"b1","fromNode":"B","payload":"hi"}]},"opts":{"rooms":["room1"],"except":["b1","vip"],"flags":{}}}"#;
        let data = decode_data(field).unwrap();
        let (opts, timeout) = decode_options(&data["opts"]);
        assert_eq!(opts.rooms, vec![Str::from("room1")]);
        assert_eq!(opts.except, vec![Str::from("b1"), Str::from("vip")]);
        assert!(!opts.flags.volatile && timeout.is_none());
        assert_eq!(encode_data(&data), field, "written back byte for byte");
        assert_eq!(
            encode_options(&opts, None),
            Value::from(json!({"rooms": ["room1"], "except": ["b1", "vip"], "flags": {}}))
        );
    }

    #[test]
    fn binary_data_goes_as_base64_msgpack() {
        let b64 = "gqZwYWNrZXSCpHR5cGUCpGRhdGGSo2JpboGlYnl0ZXPEAwECA6RvcHRzg6Vyb29tc5Glcm9vbTGmZXhjZXB0kKVmbGFnc4A=";
        let data = decode_data(b64).unwrap();
        assert!(data.has_binary());
        assert_eq!(encode_data(&data), b64);
    }

    #[test]
    fn a_pub_sub_request_round_trips_with_keys_in_any_order() {
        // §7: Node writes {type, data, uid, nsp}; ints of any width; a flag we do not know.
        let node = Value::from(json!({
            "type": 3,
            "data": {"packet": {"type": 2, "data": ["ask", {"from": "c1"}]}, "requestId": "590bd141de8265bb",
                     "opts": {"rooms": [], "except": [], "flags": {"timeout": 2000, "expectSingleResponse": true}}},
            "uid": "5799b8c0d5128583",
            "nsp": "/",
        }));
        let message = ClusterMessage::from_msgpack(&msgpack::encode(&node)).unwrap();
        assert_eq!(message.kind, MessageType::Broadcast);
        assert_eq!(message.uid, "5799b8c0d5128583");
        assert_eq!(message.data["requestId"].as_str(), Some("590bd141de8265bb"));
        let (_, timeout) = decode_options(&message.data["opts"]);
        assert_eq!(timeout, Some(2000));
        let again = ClusterMessage::from_msgpack(&message.to_msgpack()).unwrap();
        assert_eq!(again, message);
    }

    #[test]
    fn every_type_has_its_number() {
        for n in 1..=13 {
            assert_eq!(MessageType::from_number(n).unwrap().number(), n);
        }
        assert_eq!(MessageType::from_number(14), None);
        assert!(
            ClusterMessage::from_value(Value::from(json!({"uid": "u", "nsp": "/", "type": 99})))
                .is_err()
        );
        assert!(ClusterMessage::from_value(Value::from(json!([1, 2]))).is_err());
        assert!(decode_data("not base64 !").is_err());
        assert!(decode_data("{not json").is_err());
    }
}
