use socketry::events;

#[events]
trait Events {
    fn connect(&self);
    fn message(text: &str) -> u32;
}

fn main() {}
