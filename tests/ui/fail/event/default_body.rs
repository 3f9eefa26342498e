use socketry::events;

#[events]
trait Events {
    fn message(text: String) {
        println!("{text}");
    }
}

fn main() {}
