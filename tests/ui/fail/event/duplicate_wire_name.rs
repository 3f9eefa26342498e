use socketry::events;

#[events(rename_all = "camelCase")]
trait Events {
    fn chat_message(text: String);
    #[event(name = "chatMessage")]
    fn message(text: String);
}

fn main() {}
