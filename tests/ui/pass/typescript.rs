//! `#[events(typescript)]` with payload types deriving ts-rs's `TS`, renamed events, binary
//! arguments, acknowledgements, and declarations for a typed server.

use socketry::events;

#[derive(serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(tag = "type")]
enum Shape {
    Circle { r: f64 },
    Square { side: f64 },
}

#[derive(Default, serde::Serialize, serde::Deserialize, ts_rs::TS)]
struct Data {
    name: String,
    #[serde(skip)]
    secret: u32,
}

#[events(rename_all = "camelCase", typescript)]
trait ClientEvents {
    /// Draws a shape.
    fn draw_shape(shape: Shape) -> bool;
    #[event(name = "file:upload")]
    fn upload(bytes: Vec<u8>, name: Option<String>);
    fn ping();
}

#[events(typescript)]
trait ServerEvents {
    fn drawn(by: String, shape: Shape);
}

#[events(typescript)]
trait InterServerEvents {
    fn hello(node: String) -> String;
}

fn main() {
    let ts = socketry::typescript::declarations::<
        dyn ClientEvents,
        dyn ServerEvents,
        dyn InterServerEvents,
        Data,
    >();
    assert!(ts.contains("\"file:upload\""));
    let _ = Data::default().secret;
}
