//! How a socket travels between nodes: its handshake as the reference builds it
//! (`{headers, time, address, xdomain, secure, issued, url, query, auth}`), a fetched socket
//! (`{id, handshake, rooms, data}`), and a recovery session (`{sid, pid, rooms, data}`).

use crate::adapter::{Handshake, PersistedSession, SessionData, SocketInfo};
use crate::protocol::socketio::Value;
use crate::protocol::{RequestInfo, Str};
use indexmap::IndexMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

fn object(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn texts<'a>(items: impl IntoIterator<Item = &'a Str>) -> Value {
    Value::Array(items.into_iter().map(|s| Value::from(&**s)).collect())
}

fn strs(value: &Value) -> Vec<Str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(Str::from).collect())
        .unwrap_or_default()
}

/// `handshake` as a Node node describes one.
pub fn handshake_to_value(handshake: &Handshake) -> Value {
    let mut headers: IndexMap<String, Value> = IndexMap::new();
    for (name, value) in handshake.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match headers.get_mut(name.as_str()) {
            // Node joins repeated headers with ", ".
            Some(Value::Text(previous)) => {
                previous.push_str(", ");
                previous.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::from(value));
            }
        }
    }
    let issued = handshake
        .time()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let query: IndexMap<String, Value> = handshake
        .query()
        .into_iter()
        .map(|(k, v)| (k, Value::from(v)))
        .collect();
    object(vec![
        ("headers", Value::Object(headers)),
        ("time", Value::from(js_date_string(issued))),
        (
            "address",
            Value::from(
                handshake
                    .address()
                    .map(|a| a.ip().to_string())
                    .unwrap_or_default(),
            ),
        ),
        ("xdomain", Value::Bool(handshake.xdomain())),
        ("secure", Value::Bool(false)),
        ("issued", Value::Number((issued.as_millis() as u64).into())),
        ("url", Value::from(handshake.url())),
        ("query", Value::Object(query)),
        ("auth", Value::from(handshake.auth.clone())),
    ])
}

/// A handshake another node described.
pub fn handshake_from_value(value: &Value) -> Handshake {
    let mut headers = http::HeaderMap::new();
    if let Some(map) = value["headers"].as_object() {
        for (name, v) in map {
            let (Ok(name), Some(v)) = (http::HeaderName::try_from(name.as_str()), v.as_str())
            else {
                continue;
            };
            if let Ok(v) = http::HeaderValue::from_str(v) {
                headers.append(name, v);
            }
        }
    }
    let uri = value["url"]
        .as_str()
        .and_then(|u| u.parse().ok())
        .unwrap_or_default();
    let remote_addr = value["address"]
        .as_str()
        .and_then(|a| a.parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 0));
    let time = UNIX_EPOCH + Duration::from_millis(value["issued"].as_u64().unwrap_or(0));
    let request = RequestInfo {
        method: http::Method::GET,
        uri,
        headers,
        remote_addr,
        time,
    };
    let auth = serde_json::to_value(&value["auth"]).unwrap_or_default();
    Handshake::new(Arc::new(request), auth)
}

/// A fetched socket as `FETCH_SOCKETS_RESPONSE` lists it.
pub fn socket_to_value(socket: &SocketInfo) -> Value {
    object(vec![
        ("id", Value::from(&*socket.id)),
        ("handshake", handshake_to_value(&socket.handshake)),
        ("rooms", texts(&socket.rooms)),
        ("data", socket.data.clone()),
    ])
}

/// A socket another node listed.
pub fn socket_from_value(value: &Value) -> Option<SocketInfo> {
    Some(SocketInfo {
        id: Str::from(value["id"].as_str()?),
        rooms: strs(&value["rooms"]),
        handshake: handshake_from_value(&value["handshake"]),
        data: value["data"].clone(),
    })
}

/// A session as the streams adapter stores it (`{sid, pid, rooms, data}`), plus what socketry
/// adds for its recovery guarantees (`since`, `presented`), which Node nodes ignore.
pub fn session_to_value(session: &PersistedSession) -> Value {
    let mut entries = vec![
        ("sid", Value::from(&*session.sid)),
        ("pid", Value::from(&*session.pid)),
        ("rooms", texts(&session.rooms)),
        ("data", session.data.value().clone()),
    ];
    if let Some(since) = &session.since {
        entries.push(("since", Value::from(&**since)));
    }
    if let Some(presented) = &session.presented {
        entries.push(("presented", Value::from(&**presented)));
    }
    object(entries)
}

/// A stored session back, from whichever node stored it.
pub fn session_from_value(value: &Value) -> Option<PersistedSession> {
    let text = |k: &str| value[k].as_str().map(Str::from);
    Some(PersistedSession {
        sid: text("sid")?,
        pid: text("pid")?,
        rooms: strs(&value["rooms"]),
        data: SessionData::new(value["data"].clone()),
        since: text("since"),
        presented: text("presented"),
    })
}

/// `String(new Date(t))` in Node on a UTC machine:
/// `Tue Dec 01 2026 18:46:56 GMT+0000 (Coordinated Universal Time)`.
pub fn js_date_string(since_epoch: Duration) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = since_epoch.as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{} {} {day:02} {year} {:02}:{:02}:{:02} GMT+0000 (Coordinated Universal Time)",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::msgpack;
    use base64::Engine as _;
    use serde_json::json;

    #[test]
    fn dates_read_as_node_prints_them() {
        // 1796150816295 ms is the `issued` of the capture in shared/design/cluster-wire.md §9.
        let t = Duration::from_millis(1_796_150_816_295);
        assert_eq!(
            js_date_string(t),
            "Tue Dec 01 2026 18:46:56 GMT+0000 (Coordinated Universal Time)"
        );
        assert_eq!(
            js_date_string(Duration::ZERO),
            "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)"
        );
        assert_eq!(
            js_date_string(Duration::from_secs(951_782_400)),
            "Tue Feb 29 2000 00:00:00 GMT+0000 (Coordinated Universal Time)"
        );
    }

    #[test]
    fn a_node_handshake_reads_back_and_writes_again() {
        let node = Value::from(json!({
            "headers": {"host": "127.0.0.1:4601", "upgrade": "websocket", "origin": "http://a"},
            "time": "Tue Dec 01 2026 18:46:56 GMT+0000 (Coordinated Universal Time)",
            "address": "::ffff:127.0.0.1", "xdomain": true, "secure": false,
            "issued": 1_796_150_816_295u64,
            "url": "/socket.io/?EIO=4&transport=websocket&token=t",
            "query": {"EIO": "4", "transport": "websocket", "token": "t"},
            "auth": {"name": "b1"},
        }));
        let handshake = handshake_from_value(&node);
        assert_eq!(handshake.query()["token"], "t");
        assert_eq!(handshake.auth["name"], "b1");
        assert_eq!(handshake.headers()["host"], "127.0.0.1:4601");
        assert!(handshake.xdomain());
        let again = handshake_to_value(&handshake);
        for key in [
            "time", "address", "xdomain", "issued", "url", "auth", "headers",
        ] {
            assert_eq!(again[key], node[key], "{key}");
        }
        assert_eq!(again["query"]["token"], node["query"]["token"]);
    }

    #[test]
    fn a_session_node_stored_reads_back() {
        // shared/design/cluster-wire.md §11: what node A wrote with SET sio:session:<pid>.
        let b64 = "hKNzaWS0Q0dCT0VnOFVJZHNRekhVM0FBQUOjcGlktG1qTDBROG11dXQ4VUstQmFBQUFEpXJvb21zkrRDR0JPRWc4VUlkc1F6SFUzQUFBQ6Vyb29tMaRkYXRhgqRub2RloUGkbmFtZaJyMQ==";
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let session = session_from_value(&msgpack::decode(&bytes).unwrap()).unwrap();
        assert_eq!(&*session.pid, "mjL0Q8muut8UK-BaAAAD");
        assert_eq!(session.rooms.len(), 2);
        assert_eq!(&*session.rooms[1], "room1");
        assert_eq!(session.data.value()["name"].as_str(), Some("r1"));
        assert_eq!(session.since, None);
        // Without socketry's own keys, it is written back as Node wrote it.
        assert_eq!(msgpack::encode(&session_to_value(&session)), bytes);
    }

    #[test]
    fn fetched_sockets_round_trip() {
        let info = socket_from_value(&Value::from(json!({
            "id": "b1", "rooms": ["b1", "room1"], "data": {"node": "B"},
            "handshake": {"headers": {}, "address": "10.0.0.2", "issued": 5, "url": "/socket.io/", "auth": {}},
        })))
        .unwrap();
        assert_eq!(info.rooms, vec![Str::from("b1"), Str::from("room1")]);
        assert_eq!(
            info.handshake
                .address()
                .map(|a| a.ip().to_string())
                .as_deref(),
            Some("10.0.0.2")
        );
        let again = socket_from_value(&socket_to_value(&info)).unwrap();
        assert_eq!(
            (again.id, again.rooms, again.data),
            (info.id, info.rooms, info.data)
        );
        assert!(socket_from_value(&Value::from(json!({"rooms": []}))).is_none());
    }
}
