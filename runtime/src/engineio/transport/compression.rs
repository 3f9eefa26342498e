//! HTTP compression of polling payloads, as the reference's `httpCompression` does it: a
//! payload of at least `threshold` bytes is sent gzip- or deflate-encoded when the request's
//! `Accept-Encoding` takes one (gzip preferred at equal weight, as the reference's `accepts`
//! chooses); anything else (handshakes, `ok`, errors) is left alone. Done here rather than as
//! an HTTP layer so that only the responses that can be compressed pay for it.

use bytes::Bytes;
use flate2::Compression as Level;
use flate2::write::{GzEncoder, ZlibEncoder};
use http::{HeaderMap, HeaderValue, header};
use std::io::Write;

/// A content coding the server can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Gzip,
    /// HTTP's `deflate`: the zlib format, which Node's `createDeflate` writes.
    Deflate,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
        }
    }
}

/// Compression to apply to one response: the coding the client takes, and from what size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Compression {
    pub(crate) encoding: Encoding,
    pub(crate) threshold: usize,
}

/// Bodies past this size are compressed on the blocking pool, so that a megabyte payload does
/// not hold a runtime thread for the milliseconds it takes.
const INLINE_MAX: usize = 64 * 1024;

impl Compression {
    /// What to do for a request with these headers, under the configured threshold (`None`:
    /// compression off).
    pub(crate) fn for_request(threshold: Option<u16>, headers: &HeaderMap) -> Option<Self> {
        let threshold = usize::from(threshold?);
        let encoding = negotiate(headers)?;
        Some(Compression {
            encoding,
            threshold,
        })
    }

    /// The body to send and its `Content-Encoding`, if it was compressed.
    pub(crate) async fn apply(this: Option<Self>, body: Bytes) -> (Bytes, Option<HeaderValue>) {
        let Some(c) = this.filter(|c| body.len() >= c.threshold) else {
            return (body, None);
        };
        let encoded = if body.len() <= INLINE_MAX {
            encode(c.encoding, &body)
        } else {
            let input = body.clone();
            tokio::task::spawn_blocking(move || encode(c.encoding, &input))
                .await
                .ok()
                .flatten()
        };
        match encoded {
            Some(encoded) => (encoded, Some(HeaderValue::from_static(c.encoding.name()))),
            None => (body, None),
        }
    }
}

/// The body in `encoding` at zlib's default level (the reference's), or `None` if the encoder
/// failed (it writes to memory, so it does not).
fn encode(encoding: Encoding, body: &[u8]) -> Option<Bytes> {
    let out = Vec::with_capacity(body.len() / 4 + 64);
    let out = match encoding {
        Encoding::Gzip => {
            let mut e = GzEncoder::new(out, Level::default());
            e.write_all(body).ok()?;
            e.finish().ok()?
        }
        Encoding::Deflate => {
            let mut e = ZlibEncoder::new(out, Level::default());
            e.write_all(body).ok()?;
            e.finish().ok()?
        }
    };
    Some(Bytes::from(out))
}

/// The coding among gzip and deflate that `Accept-Encoding` prefers, as `negotiator` ranks
/// them: by weight, then an exact name over `*`, then the order in the header, then gzip. No
/// header, or weights of 0, take neither.
fn negotiate(headers: &HeaderMap) -> Option<Encoding> {
    // (weight in thousandths, specificity, position in the header) of each coding.
    let mut best: [Option<(u32, u8, usize)>; 2] = [None, None];
    let mut position = 0;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            if name.is_empty() {
                continue;
            }
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .next_back()
                .map_or(Some(1000), parse_weight);
            position += 1;
            let Some(weight) = weight else { continue };
            let specificity = if name == "*" { 0 } else { 1 };
            for (i, coding) in [Encoding::Gzip, Encoding::Deflate].into_iter().enumerate() {
                if specificity == 1 && !name.eq_ignore_ascii_case(coding.name()) {
                    continue;
                }
                // The most specific entry naming a coding decides its weight.
                let entry = (weight, specificity, position);
                if best[i].is_none_or(|b| (specificity, weight) > (b.1, b.0)) {
                    best[i] = Some(entry);
                }
            }
        }
    }
    let rank = |i: usize| best[i].filter(|b| b.0 > 0);
    match (rank(0), rank(1)) {
        (None, None) => None,
        (Some(_), None) => Some(Encoding::Gzip),
        (None, Some(_)) => Some(Encoding::Deflate),
        (Some(g), Some(d)) => {
            // Higher weight, then more specific, then earlier in the header; gzip on a tie.
            let key = |b: (u32, u8, usize)| (std::cmp::Reverse(b.0), std::cmp::Reverse(b.1), b.2);
            if key(d) < key(g) {
                Some(Encoding::Deflate)
            } else {
                Some(Encoding::Gzip)
            }
        }
    }
}

/// A `q` value in thousandths (`1`, `0.5`, `0.001`), or `None` if it is not a number.
fn parse_weight(q: &str) -> Option<u32> {
    let q: f32 = q.trim().parse().ok()?;
    // Like `negotiator`, a weight above 1 is not refused, only ranked higher.
    (q.is_finite() && q >= 0.0).then(|| (q.min(1000.0) * 1000.0).round() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn accept(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn negotiates_as_the_reference() {
        use Encoding::*;
        let cases: &[(&[&str], Option<Encoding>)] = &[
            (&[], None),
            (&["identity"], None),
            (&["br"], None),
            (&["gzip"], Some(Gzip)),
            (&["GZIP"], Some(Gzip)),
            (&["deflate"], Some(Deflate)),
            (&["gzip, deflate, br"], Some(Gzip)),
            (&["deflate, gzip"], Some(Deflate)),
            (&["gzip;q=0.5, deflate"], Some(Deflate)),
            (&["deflate;q=0.2, gzip;q=0.8"], Some(Gzip)),
            (&["gzip;q=0, deflate;q=0"], None),
            (&["gzip;q=0"], None),
            (&["*"], Some(Gzip)),
            (&["*;q=0.5, deflate"], Some(Deflate)),
            (&["gzip;q=0, *"], Some(Deflate)),
            (&["br", "deflate"], Some(Deflate)),
            (&["gzip;q=x"], None),
            (&["gzip;q=2, deflate"], Some(Gzip)),
        ];
        for (values, want) in cases {
            assert_eq!(negotiate(&accept(values)), *want, "{values:?}");
        }
    }

    #[test]
    fn compresses_from_the_threshold_on() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let c = Compression::for_request(Some(10), &accept(&["gzip"]));
        let (body, encoding) = rt.block_on(Compression::apply(c, Bytes::from_static(b"123456789")));
        assert_eq!((&body[..], encoding), (&b"123456789"[..], None));

        let text = "4hello\x1e".repeat(20_000);
        for (name, coding) in [("gzip", Encoding::Gzip), ("deflate", Encoding::Deflate)] {
            let c = Some(Compression {
                encoding: coding,
                threshold: 10,
            });
            // Both sides of the inline limit.
            for len in [100, text.len()] {
                let input = Bytes::copy_from_slice(&text.as_bytes()[..len]);
                let (body, encoding) = rt.block_on(Compression::apply(c, input.clone()));
                assert_eq!(encoding.unwrap(), name);
                let mut out = Vec::new();
                match coding {
                    Encoding::Gzip => flate2::read::GzDecoder::new(&body[..])
                        .read_to_end(&mut out)
                        .unwrap(),
                    Encoding::Deflate => flate2::read::ZlibDecoder::new(&body[..])
                        .read_to_end(&mut out)
                        .unwrap(),
                };
                assert_eq!(out, input);
            }
        }
        assert_eq!(Compression::for_request(None, &accept(&["gzip"])), None);
    }
}
