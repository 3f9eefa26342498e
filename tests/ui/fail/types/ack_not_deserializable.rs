use socketry::events;

#[derive(serde::Serialize)]
struct Receipt {
    id: u64,
}

#[events]
trait Events {
    fn order(item: String) -> Receipt;
}

fn main() {}
