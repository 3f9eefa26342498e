//! A trait without events is a valid set (no inter-server events, say).

use socketry::{Server, ServerConfig, events};

#[events]
trait NoEvents {}

fn main() {
    let _io = Server::<dyn NoEvents, dyn NoEvents, dyn NoEvents>::typed(ServerConfig::default());
    assert!(NoEventsEvent::ALL.is_empty());
}
