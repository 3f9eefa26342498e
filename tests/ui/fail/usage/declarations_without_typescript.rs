// Declarations need traits that describe themselves to TypeScript.
use socketry::events;

#[events]
trait ClientEvents {
    fn chat(text: String);
}

#[events(typescript)]
trait ServerEvents {
    fn news(text: String);
}

fn main() {
    let _ = socketry::typescript::declarations::<
        dyn ClientEvents,
        dyn ServerEvents,
        socketry::Untyped,
        socketry::Extensions,
    >();
}
