//! Wire names: `rename_all` for every event, `#[event(name)]` for one.

use socketry::events;

#[events(rename_all = "camelCase")]
trait Events {
    fn chat_message(text: String);
    #[event(name = "user:typing")]
    fn typing(on: bool);
    fn r#type(kind: String);
}

fn main() {
    assert_eq!(
        <dyn Events as socketry::typed::Events>::NAMES,
        ["chatMessage", "user:typing", "type"]
    );
    assert_eq!(EventsEvent::ChatMessage.name(), "chatMessage");
    assert_eq!(EventsEvent::from_name("user:typing"), Some(EventsEvent::Typing));
    assert_eq!(EventsEvent::ALL.len(), 3);
}
