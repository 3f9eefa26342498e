use socketry::events;

#[events(rename_all = "camelCase", rename_all = "snake_case")]
trait Events {
    fn message(text: String);
}

fn main() {}
