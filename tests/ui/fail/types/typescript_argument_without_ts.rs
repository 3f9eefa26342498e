// With `typescript`, every argument and acknowledgement type must describe itself to
// TypeScript.
use socketry::events;

#[derive(serde::Serialize, serde::Deserialize)]
struct Point {
    x: f64,
}

#[events(typescript)]
trait Events {
    fn moved(to: Point);
}

fn main() {}
