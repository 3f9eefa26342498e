use socketry::events;

#[events]
struct Events {
    message: String,
}

fn main() {}
