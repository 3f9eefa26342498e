use socketry::events;

#[events]
trait Events {
    async fn message(text: String);
}

fn main() {}
