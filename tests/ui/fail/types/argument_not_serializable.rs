use socketry::events;

struct Point {
    x: i32,
    y: i32,
}

#[events]
trait Events {
    fn moved(to: Point);
}

fn main() {}
