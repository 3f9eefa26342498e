use socketry::events;

#[events(rename = "camelCase")]
trait Events {
    fn message(text: String);
}

fn main() {}
