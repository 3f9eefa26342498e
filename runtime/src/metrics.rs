//! What the server reports through the [`metrics`](https://docs.rs/metrics) facade, with feature
//! `metrics`: install any recorder (Prometheus, StatsD, …) and these are recorded. Without the
//! feature, every function here is empty and compiles away.
//!
//! | Name | Kind | Labels | What |
//! |---|---|---|---|
//! | `socketry_sessions` | gauge | | Engine.IO sessions open (client connections) |
//! | `socketry_sockets_connected` | gauge | `nsp` | sockets connected to the namespace |
//! | `socketry_rooms` | gauge | `nsp` | rooms of the namespace, each socket's own included |
//! | `socketry_packets_total` | counter | `direction` (`in`, `out`), `transport` | Engine.IO packets |
//! | `socketry_bytes_total` | counter | `direction`, `transport` | bytes of those packets on the wire |
//! | `socketry_ack_timeouts_total` | counter | `nsp` | acknowledgements the server waited for in vain |
//! | `socketry_recovery_total` | counter | `result` (`restored`, `missed`) | clients that asked to recover a session |
//! | `socketry_queue_overflows_total` | counter | `action` (`dropped`, `closed`) | sends past a client's queue bound: a volatile packet dropped, or the session closed |
//! | `socketry_adapter_errors_total` | counter | `nsp` | a cluster adapter's failures to reach the others |

/// Which way a packet went.
#[derive(Clone, Copy)]
pub(crate) enum Direction {
    In,
    Out,
}

#[cfg(feature = "metrics")]
mod on {
    use super::Direction;

    fn direction(d: Direction) -> &'static str {
        match d {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    pub(crate) fn session_opened() {
        metrics::gauge!("socketry_sessions").increment(1.0);
    }
    pub(crate) fn session_closed() {
        metrics::gauge!("socketry_sessions").decrement(1.0);
    }
    pub(crate) fn socket_connected(nsp: &str) {
        metrics::gauge!("socketry_sockets_connected", "nsp" => nsp.to_owned()).increment(1.0);
    }
    pub(crate) fn socket_disconnected(nsp: &str) {
        metrics::gauge!("socketry_sockets_connected", "nsp" => nsp.to_owned()).decrement(1.0);
    }
    pub(crate) fn rooms_changed(nsp: &str, by: i64) {
        if by != 0 {
            metrics::gauge!("socketry_rooms", "nsp" => nsp.to_owned()).increment(by as f64);
        }
    }
    pub(crate) fn packets(d: Direction, transport: &'static str, packets: u64, bytes: u64) {
        let d = direction(d);
        metrics::counter!("socketry_packets_total", "direction" => d, "transport" => transport)
            .increment(packets);
        metrics::counter!("socketry_bytes_total", "direction" => d, "transport" => transport)
            .increment(bytes);
    }
    pub(crate) fn ack_timeout(nsp: &str) {
        metrics::counter!("socketry_ack_timeouts_total", "nsp" => nsp.to_owned()).increment(1);
    }
    pub(crate) fn recovery(restored: bool) {
        let result = if restored { "restored" } else { "missed" };
        metrics::counter!("socketry_recovery_total", "result" => result).increment(1);
    }
    pub(crate) fn queue_overflow(closed: bool) {
        let action = if closed { "closed" } else { "dropped" };
        metrics::counter!("socketry_queue_overflows_total", "action" => action).increment(1);
    }
    pub(crate) fn adapter_error(nsp: &str) {
        metrics::counter!("socketry_adapter_errors_total", "nsp" => nsp.to_owned()).increment(1);
    }
}

#[cfg(not(feature = "metrics"))]
#[allow(clippy::missing_const_for_fn)]
mod on {
    use super::Direction;

    pub(crate) fn session_opened() {}
    pub(crate) fn session_closed() {}
    pub(crate) fn socket_connected(_: &str) {}
    pub(crate) fn socket_disconnected(_: &str) {}
    pub(crate) fn rooms_changed(_: &str, _: i64) {}
    pub(crate) fn packets(_: Direction, _: &'static str, _: u64, _: u64) {}
    pub(crate) fn ack_timeout(_: &str) {}
    pub(crate) fn recovery(_: bool) {}
    pub(crate) fn queue_overflow(_: bool) {}
    pub(crate) fn adapter_error(_: &str) {}
}

pub(crate) use on::*;
