//! What a scenario's git commands move, as users move it: content to push (incompressible, the
//! same bytes on every run) and a served repository with many refs. Without it every scenario
//! moves a few kilobytes, and nothing can see a request that outgrows `http.postBuffer`.

use serde::{Deserialize, Deserializer};
use std::fmt;

/// A size written as users write it: `3MiB`, `900KiB`, `70000` (bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

/// The largest size a scenario may ask for: the replay runs on every git at once, on 2 cores.
pub const MAX_BYTES: u64 = 64 << 20;

impl ByteSize {
    pub fn parse(text: &str) -> Result<ByteSize, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let bad = || format!("'{text}' is not a size such as 3MiB, 900KiB or 70000");
        let n: u64 = number.parse().map_err(|_| bad())?;
        let scale = match unit {
            "" | "B" => 1,
            "KiB" => 1 << 10,
            "MiB" => 1 << 20,
            _ => return Err(bad()),
        };
        let bytes = n.checked_mul(scale).ok_or_else(bad)?;
        if bytes == 0 || bytes > MAX_BYTES {
            return Err(format!(
                "'{text}' is outside 1 byte to {} MiB",
                MAX_BYTES >> 20
            ));
        }
        Ok(ByteSize(bytes))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            b if b % (1 << 20) == 0 => write!(f, "{}MiB", b >> 20),
            b if b % (1 << 10) == 0 => write!(f, "{}KiB", b >> 10),
            b => write!(f, "{b}"),
        }
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ByteSize::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A commit the user makes before the step's command: `commit = { repo = "repo", bytes =
/// "3MiB" }` adds one file of that many incompressible bytes to the clone `repo` and commits it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commit {
    /// The work tree, relative to the sandbox's work directory (a clone an earlier step made).
    pub repo: String,
    pub bytes: ByteSize,
}

/// Time that passes inside one git command: `clock_jump = { after_requests = 2, by = "16m" }`
/// moves the mock's clock right after it answered the command's second request, as a slow
/// upload or a long pack does, so the requests after it are judged that much later with the
/// password git got at the start (git asks its helpers once per command).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockJump {
    pub after_requests: u64,
    /// A duration such as `16m` (checked when the scenario loads).
    pub by: String,
}

/// The repository the mock serves, beyond the seed's one commit.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Served {
    /// Annotated tags on the seed commit, each its own object, so a clone wants each one: a
    /// repository with years of release tags (git's t5563 uses 2,000 refs for its probe test).
    pub tags: u32,
}

/// The most tags a scenario may serve (CodeCommit takes at most 4,000 refs in one push).
pub const MAX_TAGS: u32 = 20_000;

/// `len` bytes that no compressor shrinks, the same for the same `seed` on every machine: a
/// splitmix64 stream, whose output zlib cannot compress (git's pack stores it as it is).
pub fn incompressible(seed: &str, len: u64) -> Vec<u8> {
    // FNV-1a of the seed, so each file name gives its own stream.
    let mut state = seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let take = (len - out.len()).min(8);
        out.extend_from_slice(&z.to_le_bytes()[..take]);
    }
    out
}

/// `git fast-import` input that adds `count` annotated tags on `commit`, numbered from `first`
/// and named so they sort in creation order (`release-00001`), with a fixed tagger and date: the
/// same objects every run.
pub fn tags_stream(commit: &str, first: u32, count: u32) -> String {
    let mut text = String::new();
    for n in first..first.saturating_add(count) {
        text.push_str(&format!(
            "tag release-{n:05}\nfrom {commit}\ntagger Replay <replay@example.com> 1767225600 +0000\ndata 0\n\n"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_users_write_them_and_refuse_the_rest() {
        assert_eq!(ByteSize::parse("3MiB"), Ok(ByteSize(3 << 20)));
        assert_eq!(ByteSize::parse("900KiB"), Ok(ByteSize(900 << 10)));
        assert_eq!(ByteSize::parse("70000"), Ok(ByteSize(70_000)));
        assert_eq!(ByteSize(3 << 20).to_string(), "3MiB");
        assert_eq!(ByteSize(70_000).to_string(), "70000");
        for bad in ["3 MiB", "3MB", "MiB", "0", "65MiB", "-1"] {
            assert!(ByteSize::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_content_is_deterministic_exact_in_length_and_incompressible() {
        let a = incompressible("artefact-1.bin", 1 << 16);
        assert_eq!(a, incompressible("artefact-1.bin", 1 << 16));
        assert_ne!(a, incompressible("artefact-2.bin", 1 << 16));
        assert_eq!(incompressible("x", 13).len(), 13);
        // Every byte value about equally often: what makes zlib store it rather than shrink it.
        let mut counts = [0u32; 256];
        for b in &a {
            counts[usize::from(*b)] += 1;
        }
        let (min, max) = (counts.iter().min(), counts.iter().max());
        assert!(min >= Some(&180) && max <= Some(&340), "{min:?} {max:?}");
    }

    #[test]
    fn the_tags_stream_names_each_tag_once() {
        let text = tags_stream("0123abcd", 1, 3);
        assert_eq!(text.matches("tag release-").count(), 3);
        assert!(text.starts_with("tag release-00001\nfrom 0123abcd\n"));
        assert!(text.contains("tag release-00003\n"));
        // Tags served later go on from where the first ones stopped.
        let later = tags_stream("0123abcd", 4, 2);
        assert!(later.starts_with("tag release-00004\n") && later.contains("tag release-00005\n"));
        assert!(!later.contains("release-00003") && !later.contains("release-00006"));
    }
}
