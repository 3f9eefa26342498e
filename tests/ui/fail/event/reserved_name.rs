use socketry::events;

#[events]
trait Events {
    fn disconnect(reason: String);
}

fn main() {}
