use socketry::events;

#[events]
trait Events {
    #[event(rename = "msg")]
    fn message(text: String);
}

fn main() {}
