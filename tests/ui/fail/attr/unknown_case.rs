use socketry::events;

#[events(rename_all = "camelcase")]
trait Events {
    fn message(text: String);
}

fn main() {}
