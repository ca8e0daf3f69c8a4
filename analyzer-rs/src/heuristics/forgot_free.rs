//! `bindgen-forgot-free`: objects of a class were reclaimed by wasm-bindgen's GC finalizer,
//! i.e. dropped without `free()`. Reported even though the memory came back; never resolves
//! within a session (the reclaimed counter is cumulative).

use super::Input;
use crate::alerts::{detail, Severity, Sink, Text};
use crate::kind::Kind;
use crate::model::Class;
use crate::text::fmt_count;

/// Emit the alert of class `cl` if any of its objects was reclaimed by the finalizer.
pub fn find(input: &Input, out: &mut Sink, cl: &Class) {
    let any_reclaimed = cl.reclaimed > 0.0; // false for NaN too
    if !any_reclaimed {
        return;
    }
    let severity = if cl.reclaimed >= input.config.forgot_free_error_count { Severity::Error } else { Severity::Warning };
    let kind = Kind::BindgenForgotFree;
    let name = || input.name(cl.name);
    let id = || format!("{}:{}", kind.name(), name());
    let text = || {
        let name = name();
        Text {
            kind,
            title: format!("{} {name} objects were never freed (reclaimed by the GC)", fmt_count(cl.reclaimed)),
            detail: format!(
                "wasm-bindgen's finalizer reclaimed {} of {} {name} objects that were dropped without \
                    free(). The memory came back this time, but only when the GC ran: under load, in long \
                    sessions, or with wasm-bindgen versions that register no finalizer, these objects leak.",
                fmt_count(cl.reclaimed),
                fmt_count(cl.created)
            ),
            recommendation: format!(
                "Call free() explicitly (try/finally, or `using`) as soon as each {name} is no longer \
                 needed."
            ),
            series: format!("class:{name}:reclaimed"),
            subject: name,
        }
    };
    out.emit((kind, cl.name, detail::MAIN), severity, &cl.reclaimed_points, [cl.created, cl.reclaimed, 0.0, 0.0], id, text);
}
