use socketry::events;

#[events]
trait Events {
    fn message(text: &str);
}

fn main() {}
