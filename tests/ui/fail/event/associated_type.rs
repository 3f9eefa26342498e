use socketry::events;

#[events]
trait Events {
    type Payload;
    fn message(text: String);
}

fn main() {}
