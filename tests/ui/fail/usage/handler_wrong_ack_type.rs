use socketry::{Ack, Socket, events};

#[events]
trait ClientEvents {
    fn ask(question: String) -> u32;
}

struct Handler;

impl ClientEventsHandler for Handler {
    async fn ask(&self, _socket: Socket<dyn ClientEvents>, _question: String, ack: Ack<String>) {
        let _ = ack.send(&"yes".to_owned());
    }
}

fn main() {}
