//! Every decoder is fed random and mutated input: it may refuse it, never panic. A panic in a
//! decoder would take down the task reading that connection.

use bytes::Bytes;
use socketry::Str;
use socketry::protocol::engineio::packet::Packet;
use socketry::protocol::engineio::payload;
use socketry::protocol::socketio::Args;
use socketry::protocol::socketio::packet::Packet as SioPacket;

/// Seeds: valid messages of every kind, to mutate.
const SEEDS: &[&str] = &[
    "0{\"sid\":\"x\"}",
    "2probe",
    "4hello",
    "bAQIDBA==",
    "b4AQIDBA==",
    "4test1\u{1e}4test2\u{1e}bAQID",
    "6:4hello10:b4AQIDBA==",
    "3:4😀",
    "0/admin,{\"token\":\"123\"}",
    "2/chat,12[\"message\",1,\"2\",{\"3\":[true]}]",
    "52-789[\"m\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
    "43[1,\"2\"]",
    "4{\"message\":\"nope\"}",
    "1/x,",
];

/// A small deterministic generator (xorshift), so that a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let interesting = [
            b'"', b'[', b']', b'{', b'}', b',', b':', b'/', b'-', b'0', b'9', 0x1e, 0xff, 0xc3,
            b'\\',
        ];
        match rng.below(4) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = interesting[rng.below(interesting.len())];
            }
            1 => {
                let i = rng.below(v.len() + 1);
                v.insert(i, interesting[rng.below(interesting.len())]);
            }
            2 if !v.is_empty() => {
                let i = rng.below(v.len());
                v.truncate(i);
            }
            _ => {
                let i = rng.below(v.len() + 1);
                v.insert(i, rng.next() as u8);
            }
        }
    }
    v
}

fn decode_everything(input: Vec<u8>) {
    let bytes = Bytes::from(input);
    let _ = payload::decode_v4(bytes.clone()).count();
    let _ = payload::v3::decode_text(bytes.clone());
    let _ = payload::v3::decode_binary(bytes.clone());
    let _ = Packet::decode_binary_v3(bytes.clone());
    if let Ok(text) = Str::from_utf8(bytes) {
        let _ = Packet::decode_text(text.clone());
        let _ = Packet::decode_text_v3(text.clone());
        if let Ok(SioPacket {
            payload: socketry::protocol::socketio::packet::Payload::Event { args, .. },
            ..
        }) = SioPacket::decode(text.clone())
        {
            let _ = args.iter().count();
        }
        if let Ok(args) = Args::from_json(&text) {
            let _ = args.get::<serde_json::Value>(0);
            let _ = args.deserialize::<Vec<serde_json::Value>>();
            let _ = args.deserialize::<(String, u32)>();
        }
    }
}

#[test]
fn mutated_messages() {
    let mut rng = Rng(0x5eed_5eed_1234_5678);
    for _ in 0..20_000 {
        let seed = SEEDS[rng.below(SEEDS.len())].as_bytes();
        decode_everything(mutate(&mut rng, seed));
    }
}

#[test]
fn random_bytes() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for _ in 0..20_000 {
        let len = rng.below(64);
        let v: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        decode_everything(v);
    }
}
