//! A broadcast's packet as cluster messages carry it (`{type: 2, data: [event, ...args]}`, as
//! it is before local delivery: no namespace, no ack id, no offset), ids of nodes and requests,
//! and the stream a namespace's messages go to.

use crate::protocol::socketio::packet::{Packet, Payload};
use crate::protocol::socketio::{Args, EncodedPacket, Value, encode};
use indexmap::IndexMap;
use serde::ser::{Serialize, SerializeTuple, Serializer};

/// The packet of an encoded event, as the reference publishes it.
pub fn packet_to_value(packet: &EncodedPacket) -> Option<Value> {
    let Ok(Packet {
        payload: Payload::Event { name, args },
        ..
    }) = Packet::decode(packet.text())
    else {
        return None;
    };
    let args = Args::new(args, packet.attachments.clone());
    let data = std::iter::once(Value::from(&*name))
        .chain(args.iter())
        .collect();
    let mut map = IndexMap::new();
    map.insert("type".to_owned(), Value::Number(2u64.into()));
    map.insert("data".to_owned(), Value::Array(data));
    Some(Value::Object(map))
}

/// The event `packet` describes, encoded for namespace `nsp` (with acknowledgement id `id`
/// when its receivers are to answer); `None` unless it is an event (`type` 2 or 5) whose first
/// element is its name.
pub fn packet_from_value(nsp: &str, packet: &Value, id: Option<u64>) -> Option<EncodedPacket> {
    if !matches!(packet["type"].as_u64(), Some(2 | 5)) {
        return None;
    }
    let (name, args) = packet["data"].as_array()?.split_first()?;
    encode::event(nsp, name.as_str()?, &Spread(args), id).ok()
}

/// Values written as one argument each.
struct Spread<'a>(&'a [Value]);

impl Serialize for Spread<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut tuple = s.serialize_tuple(self.0.len())?;
        for v in self.0 {
            tuple.serialize_element(v)?;
        }
        tuple.end()
    }
}

/// A random id of 16 hex characters, as the reference makes node uids and request ids.
pub fn random_id() -> String {
    let bytes: [u8; 8] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stream of namespace `nsp`: `name` itself with one stream, else `name-<n>` where `n` is
/// Java's `hashCode` of the namespace (over UTF-16 code units, signed 32 bits) modulo `count`,
/// the sign kept, as the streams adapter computes it.
pub fn stream_for(nsp: &str, name: &str, count: u32) -> String {
    if count <= 1 {
        return name.to_owned();
    }
    let hash = nsp
        .encode_utf16()
        .fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(i32::from(u)));
    format!("{name}-{}", hash % count as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_cross_and_come_back_with_their_binary_data() {
        let original = encode::event(
            "/chat",
            "file",
            &("a", bytes::Bytes::from_static(b"xyz"), 3),
            None,
        )
        .unwrap();
        let value = packet_to_value(&original).unwrap();
        assert_eq!(value["type"].as_u64(), Some(2));
        assert_eq!(value["data"][0].as_str(), Some("file"));
        assert!(value["data"][2].as_bytes().is_some());
        let again = packet_from_value("/chat", &value, None).unwrap();
        assert_eq!(again.text(), original.text());
        assert_eq!(again.attachments, original.attachments);
        let no_args = Value::from(json!({"type": 2, "data": ["ping"]}));
        assert_eq!(
            &*packet_from_value("/", &no_args, Some(4)).unwrap().text(),
            "24[\"ping\"]"
        );
        assert!(
            packet_from_value("/", &Value::from(json!({"type": 3, "data": ["x"]})), None).is_none()
        );
        assert!(
            packet_from_value("/", &Value::from(json!({"type": 2, "data": [1]})), None).is_none()
        );
    }

    #[test]
    fn namespaces_map_to_streams_as_the_streams_adapter_hashes_them() {
        assert_eq!(stream_for("/", "socket.io", 1), "socket.io");
        // Figures from Node (`(h * 31 + s.charCodeAt(i)) | 0`, then `% count`).
        assert_eq!(stream_for("/", "socket.io", 4), "socket.io-3");
        assert_eq!(stream_for("/chat", "socket.io", 10), "socket.io-3");
        assert_eq!(stream_for("/orders-updates", "s", 7), "s--4");
        assert_eq!(
            stream_for("/game-room-lobby", "s", 7),
            "s-0",
            "JavaScript's -0 prints as 0"
        );
        assert_eq!(
            stream_for("/\u{1f600}\u{1f600}", "s", 7),
            "s-5",
            "UTF-16 code units"
        );
        assert_eq!(random_id().len(), 16);
    }
}
