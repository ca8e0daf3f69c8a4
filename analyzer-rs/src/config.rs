//! Thresholds of every heuristic (documented in README.md), settable by numeric key.

/// All tunables. Times are event-time milliseconds, sizes bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Budget for all live memories of the page, if any.
    pub page_budget: Option<f64>,
    /// Budget for each memory, if any.
    pub memory_budget: Option<f64>,
    /// Warning levels as fractions of a budget, ascending.
    pub budget_levels: Vec<f64>,
    /// A series unchanged this long is "resting" (a cycle floor).
    pub rest_ms: f64,
    /// Rising rest levels needed (levels, so `n - 1` rises) for floor / live / registry growth.
    pub floor_cycles: usize,
    /// Smallest rise of a committed-memory floor that counts.
    pub floor_min_step_bytes: f64,
    /// A finding stays active this long after its last evidence (at least).
    pub hold_ms: f64,
    /// Window length for series that never rest.
    pub window_ms: f64,
    /// Rising window minima needed (windows).
    pub window_cycles: usize,
    /// Smallest rise of a class live count between floors.
    pub class_min_step: f64,
    /// Smallest total rise of a class live count over the rising windows.
    pub class_window_min_rise: f64,
    /// Smallest rise of a registry field between floors.
    pub registry_min_step: f64,
    /// Marks with rising values needed for the marks-based variants.
    pub mark_cycles: usize,
    /// A memory superseded this long ago, still alive and idle, counts as replaced.
    pub replaced_grace_ms: f64,
    /// Smallest replaced memory that counts.
    pub replaced_min_bytes: f64,
    /// Fragmentation: smallest committed size considered.
    pub frag_min_committed: f64,
    /// Fragmentation: used / committed at or below this.
    pub frag_max_ratio: f64,
    /// Fragmentation: committed - used at least this.
    pub frag_min_wasted: f64,
    /// Fragmentation: sustained this long.
    pub frag_min_ms: f64,
    /// Alerts are evaluated at most this often during ingestion (event time).
    pub eval_interval_ms: f64,
    /// Forgot-to-free: reclaimed count at which the alert becomes an error.
    pub forgot_free_error_count: f64,
    /// Never freed: a class with at least this many live objects and not one freed or
    /// reclaimed is flagged (0 disables).
    pub never_freed_min: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            page_budget: None,
            memory_budget: None,
            budget_levels: vec![0.6, 0.75, 0.85, 0.95],
            rest_ms: 1000.0,
            floor_cycles: 4,
            floor_min_step_bytes: 1024.0 * 1024.0,
            hold_ms: 30_000.0,
            window_ms: 3000.0,
            window_cycles: 6,
            class_min_step: 1.0,
            class_window_min_rise: 10.0,
            registry_min_step: 1.0,
            mark_cycles: 4,
            replaced_grace_ms: 10_000.0,
            replaced_min_bytes: 1024.0 * 1024.0,
            frag_min_committed: 64.0 * 1024.0 * 1024.0,
            frag_max_ratio: 0.25,
            frag_min_wasted: 48.0 * 1024.0 * 1024.0,
            frag_min_ms: 5000.0,
            eval_interval_ms: 1000.0,
            forgot_free_error_count: 100.0,
            never_freed_min: 10.0,
        }
    }
}

/// Numeric keys of [`Config::set`] (the wasm boundary and the TS wrapper use these).
pub mod key {
    /// Page budget in bytes (<= 0 or non-finite: none).
    pub const PAGE_BUDGET: u32 = 0;
    /// Memory budget in bytes (<= 0 or non-finite: none).
    pub const MEMORY_BUDGET: u32 = 1;
    /// Clear the budget levels.
    pub const BUDGET_LEVELS_CLEAR: u32 = 2;
    /// Append one budget level (fraction, > 0).
    pub const BUDGET_LEVEL_PUSH: u32 = 3;
    /// [`super::Config::rest_ms`]
    pub const REST_MS: u32 = 10;
    /// [`super::Config::floor_cycles`]
    pub const FLOOR_CYCLES: u32 = 11;
    /// [`super::Config::floor_min_step_bytes`]
    pub const FLOOR_MIN_STEP_BYTES: u32 = 12;
    /// [`super::Config::hold_ms`]
    pub const HOLD_MS: u32 = 13;
    /// [`super::Config::window_ms`]
    pub const WINDOW_MS: u32 = 14;
    /// [`super::Config::window_cycles`]
    pub const WINDOW_CYCLES: u32 = 15;
    /// [`super::Config::class_min_step`]
    pub const CLASS_MIN_STEP: u32 = 16;
    /// [`super::Config::class_window_min_rise`]
    pub const CLASS_WINDOW_MIN_RISE: u32 = 17;
    /// [`super::Config::registry_min_step`]
    pub const REGISTRY_MIN_STEP: u32 = 18;
    /// [`super::Config::mark_cycles`]
    pub const MARK_CYCLES: u32 = 19;
    /// [`super::Config::replaced_grace_ms`]
    pub const REPLACED_GRACE_MS: u32 = 20;
    /// [`super::Config::replaced_min_bytes`]
    pub const REPLACED_MIN_BYTES: u32 = 21;
    /// [`super::Config::frag_min_committed`]
    pub const FRAG_MIN_COMMITTED: u32 = 22;
    /// [`super::Config::frag_max_ratio`]
    pub const FRAG_MAX_RATIO: u32 = 23;
    /// [`super::Config::frag_min_wasted`]
    pub const FRAG_MIN_WASTED: u32 = 24;
    /// [`super::Config::frag_min_ms`]
    pub const FRAG_MIN_MS: u32 = 25;
    /// [`super::Config::eval_interval_ms`]
    pub const EVAL_INTERVAL_MS: u32 = 26;
    /// [`super::Config::forgot_free_error_count`]
    pub const FORGOT_FREE_ERROR_COUNT: u32 = 27;
    /// [`super::Config::never_freed_min`]
    pub const NEVER_FREED_MIN: u32 = 28;
}

fn cycles(v: f64) -> Option<usize> {
    if v.is_finite() && v >= 2.0 && v <= 64.0 {
        Some(v as usize)
    } else {
        None
    }
}

fn nonneg(v: f64) -> Option<f64> {
    if v.is_finite() && v >= 0.0 {
        Some(v)
    } else {
        None
    }
}

impl Config {
    /// Set one tunable. Returns false (and changes nothing) for an unknown key or a value
    /// out of range.
    pub fn set(&mut self, k: u32, v: f64) -> bool {
        let budget = |v: f64| if v.is_finite() && v > 0.0 { Some(v) } else { None };
        macro_rules! put {
            ($field:ident, $conv:expr) => {
                match $conv(v) {
                    Some(x) => {
                        self.$field = x;
                        true
                    }
                    None => false,
                }
            };
        }
        match k {
            key::PAGE_BUDGET => {
                self.page_budget = budget(v);
                true
            }
            key::MEMORY_BUDGET => {
                self.memory_budget = budget(v);
                true
            }
            key::BUDGET_LEVELS_CLEAR => {
                self.budget_levels.clear();
                true
            }
            key::BUDGET_LEVEL_PUSH => {
                if v.is_finite() && v > 0.0 && self.budget_levels.len() < 16 {
                    self.budget_levels.push(v);
                    self.budget_levels.sort_by(|a, b| a.total_cmp(b));
                    true
                } else {
                    false
                }
            }
            key::REST_MS => put!(rest_ms, nonneg),
            key::FLOOR_CYCLES => put!(floor_cycles, cycles),
            key::FLOOR_MIN_STEP_BYTES => put!(floor_min_step_bytes, nonneg),
            key::HOLD_MS => put!(hold_ms, nonneg),
            key::WINDOW_MS => put!(window_ms, |v: f64| if v.is_finite() && v > 0.0 { Some(v) } else { None }),
            key::WINDOW_CYCLES => put!(window_cycles, cycles),
            key::CLASS_MIN_STEP => put!(class_min_step, nonneg),
            key::CLASS_WINDOW_MIN_RISE => put!(class_window_min_rise, nonneg),
            key::REGISTRY_MIN_STEP => put!(registry_min_step, nonneg),
            key::MARK_CYCLES => put!(mark_cycles, cycles),
            key::REPLACED_GRACE_MS => put!(replaced_grace_ms, nonneg),
            key::REPLACED_MIN_BYTES => put!(replaced_min_bytes, nonneg),
            key::FRAG_MIN_COMMITTED => put!(frag_min_committed, nonneg),
            key::FRAG_MAX_RATIO => put!(frag_max_ratio, |v: f64| if (0.0..=1.0).contains(&v) { Some(v) } else { None }),
            key::FRAG_MIN_WASTED => put!(frag_min_wasted, nonneg),
            key::FRAG_MIN_MS => put!(frag_min_ms, nonneg),
            key::EVAL_INTERVAL_MS => put!(eval_interval_ms, nonneg),
            key::FORGOT_FREE_ERROR_COUNT => put!(forgot_free_error_count, nonneg),
            key::NEVER_FREED_MIN => put!(never_freed_min, nonneg),
            _ => false,
        }
    }
}
