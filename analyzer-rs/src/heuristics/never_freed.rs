//! `bindgen-live-growth`, never-freed variant: at least `neverFreedMin` live objects of a
//! class and not one ever freed or reclaimed (wasm-bindgen <= 0.2.92 objects built with `new`,
//! which no finalizer reclaims). Checked only when [`super::class_rising`] found nothing; it
//! shares that alert's id.

use super::class_rising::recommendation;
use super::Input;
use crate::alerts::{detail, Severity, Sink, Text};
use crate::kind::Kind;
use crate::model::Class;
use crate::text::fmt_count;

/// Emit the alert of class `cl` if none of its objects was ever freed.
pub fn find(input: &Input, out: &mut Sink, cl: &Class) {
    let c = input.config;
    if !(c.never_freed_min > 0.0 && cl.live >= c.never_freed_min && cl.freed == 0.0 && cl.reclaimed == 0.0) {
        return;
    }
    let kind = Kind::BindgenLiveGrowth;
    let name = || input.name(cl.name);
    let id = || format!("{}:{}", kind.name(), name());
    let text = || {
        let name = name();
        Text {
            kind,
            title: format!("{} {name} objects created, none ever freed", fmt_count(cl.live)),
            detail: format!(
                "{} objects of wasm-bindgen class {name} were created and not one was freed or reclaimed: \
                    each keeps its Rust value (and what it owns) in wasm memory until free() is called.",
                fmt_count(cl.created)
            ),
            recommendation: recommendation(&name),
            series: format!("class:{name}:live"),
            subject: name,
        }
    };
    out.emit(
        (kind, cl.name, detail::MAIN),
        Severity::Warning,
        &[(cl.first_seen, 0.0), (cl.last_seen, cl.live)],
        [cl.created, 0.0, 0.0, 0.0],
        id,
        text,
    );
}
