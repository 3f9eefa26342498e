use socketry::events;

#[events]
trait Events {
    fn point((x, y): (i32, i32));
}

fn main() {}
