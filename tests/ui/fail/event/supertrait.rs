use socketry::events;

trait Base {}

#[events]
trait Events: Base {
    fn message(text: String);
}

fn main() {}
