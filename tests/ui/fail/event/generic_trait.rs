use socketry::events;

#[events]
trait Events<T> {
    fn message(value: T);
}

fn main() {}
