//! `crate = "..."` points the expansion at the runtime under another path (a re-export).

mod reexport {
    pub use socketry;
}

#[socketry::events(crate = "reexport::socketry")]
trait Events {
    fn message(text: String);
}

fn main() {
    assert_eq!(<dyn Events as socketry::typed::Events>::NAMES, ["message"]);
}
