//! Alert kinds: the wire names (`AlertKind` in src/shared/analyzer-api.ts, also stored in
//! recorded traces) in one place.

/// What an alert is about. [`Kind::name`] is the string the report carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A wasm-bindgen class whose live count keeps rising (or whose objects are never freed).
    BindgenLiveGrowth,
    /// Objects reclaimed only by the GC finalizer, never freed.
    BindgenForgotFree,
    /// Committed memory (or allocator live bytes) whose floor rises from cycle to cycle.
    MemoryFloorRising,
    /// A memory / engine replaced while the old one stays alive.
    MemoryReplaced,
    /// Registry counts or bytes growing without bound.
    RegistryGrowth,
    /// Used memory far below committed memory.
    Fragmentation,
    /// Over a configured budget level.
    Budget,
    /// Objects whose JS wrapper was collected while never freed in wasm: leaked for good.
    BindgenOrphaned,
    /// A memory's committed bytes past a level of its limit (declared maximum or engine limit).
    MemoryHeadroom,
    /// A memory could not grow: failed attempts, one incident.
    OutOfMemory,
}

impl Kind {
    /// Every kind, in the order of `AlertKind` in src/shared/analyzer-api.ts.
    pub const ALL: [Kind; 10] = [
        Kind::BindgenLiveGrowth,
        Kind::BindgenForgotFree,
        Kind::MemoryFloorRising,
        Kind::MemoryReplaced,
        Kind::RegistryGrowth,
        Kind::Fragmentation,
        Kind::Budget,
        Kind::BindgenOrphaned,
        Kind::MemoryHeadroom,
        Kind::OutOfMemory,
    ];

    /// The wire name (`kind` of an alert, prefix of its id).
    pub const fn name(self) -> &'static str {
        match self {
            Kind::BindgenLiveGrowth => "bindgen-live-growth",
            Kind::BindgenForgotFree => "bindgen-forgot-free",
            Kind::MemoryFloorRising => "memory-floor-rising",
            Kind::MemoryReplaced => "memory-replaced",
            Kind::RegistryGrowth => "registry-growth",
            Kind::Fragmentation => "fragmentation",
            Kind::Budget => "budget",
            Kind::BindgenOrphaned => "bindgen-orphaned",
            Kind::MemoryHeadroom => "memory-headroom",
            Kind::OutOfMemory => "out-of-memory",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_kebab_case() {
        let mut names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        assert!(names.iter().all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Kind::ALL.len());
    }
}
