use socketry::events;

#[events]
trait Events {
    fn message(&self, text: String);
}

fn main() {}
