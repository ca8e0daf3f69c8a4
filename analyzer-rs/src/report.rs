//! JSON emission: the report (`Report` of src/shared/analyzer-api.ts, alerts included) and
//! the diff between two marks. The shapes are documented in README.md.

use crate::alerts::AlertBook;
use crate::analyzer::Analyzer;
use crate::json::{push_array, push_num, Obj};
use crate::model::{snap_at, MarkSnap};

impl Analyzer {
    /// The report as JSON text (alerts evaluated first). See README.md for the shape.
    pub fn report_json(&mut self) -> String {
        self.evaluate();
        let mut out = String::with_capacity(4096);
        let mut o = Obj::new(&mut out);
        o.raw("memories", |s| {
            push_array(s, self.memories.iter(), |s, m| {
                let mut mo = Obj::new(s);
                mo.str("key", &self.name(m.key));
                mo.str("owner", &m.owner.map(|o| self.name(o)).unwrap_or_default());
                mo.num("currentBytes", m.current)
                    .num("peakBytes", m.peak)
                    .num("growthEvents", m.growth_events as f64)
                    .num("firstSeen", m.first_seen)
                    .num("lastSeen", m.last_seen)
                    .bool("collected", m.collected);
                match m.max_bytes {
                    Some(b) => mo.num("maxBytes", b),
                    None => mo.null("maxBytes"),
                };
                mo.num("limitBytes", m.limit());
                if let Some(a) = m.alloc {
                    if a.tracking.bytes_known() {
                        mo.num("usedBytes", a.live_bytes);
                    }
                    mo.num("liveAllocations", a.live_allocs).str("tracking", a.tracking.name());
                }
                mo.end();
            })
        });
        o.raw("classes", |s| {
            push_array(s, self.classes.iter(), |s, c| {
                let mut co = Obj::new(s);
                co.str("className", &self.name(c.name));
                match c.module {
                    Some(m) => co.str("module", &self.name(m)),
                    None => co.null("module"),
                };
                co.num("created", c.created).num("freed", c.freed).num("reclaimed", c.reclaimed).num("live", c.live);
                if let Some(n) = c.orphaned {
                    co.num("orphaned", n);
                }
                co.end();
            })
        });
        o.raw("registries", |s| {
            // Group fields by registry name, in discovery order.
            let mut order: Vec<u32> = Vec::new();
            for r in &self.registries {
                if !order.contains(&r.name) {
                    order.push(r.name);
                }
            }
            push_array(s, order.iter(), |s, &name| {
                let mut ro = Obj::new(s);
                ro.str("name", &self.name(name));
                if let Some(&mem) = self.registry_memory.get(&name) {
                    ro.str("memory", &self.name(mem));
                }
                ro.raw("stats", |s| {
                    let mut so = Obj::new(s);
                    for r in self.registries.iter().filter(|r| r.name == name) {
                        so.num(&self.name(r.field), r.value);
                    }
                    so.end();
                });
                ro.end();
            })
        });
        o.raw("alerts", |s| write_alerts(s, &self.alerts));
        o.raw("marks", |s| {
            push_array(s, self.marks.iter(), |s, mk| {
                let mut mo = Obj::new(s);
                mo.num("time", mk.time).str("label", &self.name(mk.label));
                mo.end();
            })
        });
        o.num("eventCount", self.event_count as f64);
        o.num("badRecords", self.bad_records as f64);
        o.end();
        out
    }

    /// Differences between two marks (by index) as JSON text, or None if an index is out of
    /// range. Entities absent at a mark count as 0 there.
    pub fn diff_json(&self, from: usize, to: usize) -> Option<String> {
        let a = self.marks.get(from)?;
        let b = self.marks.get(to)?;
        let mut out = String::with_capacity(1024);
        let mark = |s: &mut String, m: &MarkSnap| {
            let mut mo = Obj::new(s);
            mo.num("time", m.time).str("label", &self.name(m.label));
            mo.end();
        };
        let lookup = snap_at;
        let mut o = Obj::new(&mut out);
        o.raw("from", |s| mark(s, a));
        o.raw("to", |s| mark(s, b));
        o.raw("memories", |s| {
            let idx: Vec<usize> = union_idx(&a.memories, &b.memories);
            push_array(s, idx.iter(), |s, &i| {
                let f = lookup(&a.memories, i).unwrap_or(0.0);
                let t = lookup(&b.memories, i).unwrap_or(0.0);
                let mut mo = Obj::new(s);
                mo.str("key", &self.memories.get(i).map(|m| self.name(m.key)).unwrap_or_default());
                mo.num("fromBytes", f).num("toBytes", t).num("delta", t - f);
                mo.end();
            })
        });
        o.raw("classes", |s| {
            let idx: Vec<usize> = union_idx(&a.classes, &b.classes);
            push_array(s, idx.iter(), |s, &i| {
                let f = lookup(&a.classes, i).unwrap_or(0.0);
                let t = lookup(&b.classes, i).unwrap_or(0.0);
                let mut co = Obj::new(s);
                co.str("className", &self.classes.get(i).map(|c| self.name(c.name)).unwrap_or_default());
                co.num("fromLive", f).num("toLive", t).num("delta", t - f);
                co.end();
            })
        });
        o.raw("registries", |s| {
            let idx: Vec<usize> = union_idx(&a.registries, &b.registries);
            push_array(s, idx.iter(), |s, &i| {
                let f = lookup(&a.registries, i).unwrap_or(0.0);
                let t = lookup(&b.registries, i).unwrap_or(0.0);
                let mut ro = Obj::new(s);
                let (n, fld) = self.registries.get(i).map(|r| (self.name(r.name), self.name(r.field))).unwrap_or_default();
                ro.str("name", &n).str("field", &fld).num("from", f).num("to", t).num("delta", t - f);
                ro.end();
            })
        });
        o.end();
        Some(out)
    }
}

fn union_idx(a: &[(usize, f64)], b: &[(usize, f64)]) -> Vec<usize> {
    let mut v: Vec<usize> = a.iter().chain(b.iter()).map(|(i, _)| *i).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Write the alerts as a JSON array of `Alert` (src/shared/analyzer-api.ts).
pub fn write_alerts(out: &mut String, book: &AlertBook) {
    push_array(out, book.all().iter(), |s, a| {
        let f = &a.finding;
        let mut o = Obj::new(s);
        o.str("id", &f.id)
            .str("kind", f.kind.name())
            .str("severity", f.severity.as_str())
            .str("subject", &f.subject)
            .str("title", &f.title)
            .str("detail", &f.detail)
            .str("recommendation", &f.recommendation);
        o.raw("evidence", |s| {
            let mut e = Obj::new(s);
            e.str("series", &f.series);
            e.num("fromTime", f.points.first().map(|p| p.0).unwrap_or(a.raised_at));
            e.num("toTime", f.points.last().map(|p| p.0).unwrap_or(a.updated_at));
            e.raw("points", |s| {
                push_array(s, f.points.iter(), |s, p| {
                    s.push('[');
                    push_num(s, p.0);
                    s.push(',');
                    push_num(s, p.1);
                    s.push(']');
                })
            });
            e.end();
        });
        if let Some(extra) = &f.extra {
            o.raw("incident", |s| s.push_str(extra));
        }
        o.str("state", if a.active { "active" } else { "resolved" });
        o.num("raisedAt", a.raised_at).num("updatedAt", a.updated_at);
        o.end();
    });
}
