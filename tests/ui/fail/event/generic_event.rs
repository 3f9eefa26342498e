use socketry::events;

#[events]
trait Events {
    fn message<T>(value: T);
}

fn main() {}
