//! The timeline's measuring: row heights read from the DOM, the anchor kept while rows above
//! change, and jumps that settle over a few frames.

use std::collections::HashMap;

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::Shared;
use crate::customer::layout::{self, Row};

/// The timeline's handles for measuring, in one `Copy` value for animation-frame callbacks.
#[derive(Clone, Copy)]
pub(super) struct Geometry {
    pub(super) container: NodeRef<html::Section>,
    pub(super) heights: StoredValue<HashMap<String, f64>>,
    pub(super) measured: Trigger,
    pub(super) offsets: Memo<Vec<f64>>,
    pub(super) layout: Memo<Shared>,
    pub(super) viewport: RwSignal<f64>,
    pub(super) stick: StoredValue<bool>,
    pub(super) jump: StoredValue<Option<(String, f64, u8)>>,
    pub(super) settling: StoredValue<bool>,
    pub(super) placing: RwSignal<bool>,
}

impl Geometry {
    /// Measures again on the next frame, once the DOM has the rows.
    pub(super) fn remeasure(self) {
        request_animation_frame(move || self.measure());
    }

    /// The row at the top of the view and how far it is scrolled past, to keep it in place.
    pub(super) fn anchor(self) -> Option<(String, f64)> {
        let el = self.container.try_get_untracked().flatten()?;
        let top = f64::from(el.scroll_top());
        let l = self.layout.try_get_untracked()?.0;
        let o = self.offsets.try_get_untracked()?;
        let mut idx = layout::row_at(&o, top);
        // The first chapter's head may gain items in front (a conversation cut by the page
        // boundary), which changes its key; the row after it keeps its key.
        if l.rows.get(idx) == Some(&Row::Head(0)) && idx + 1 < l.rows.len() {
            idx += 1;
        }
        Some((l.size_key(*l.rows.get(idx)?), top - o[idx]))
    }

    /// Measures the rendered rows; keeps the bottom in view or finishes a jump.
    pub(super) fn measure(self) {
        let Some(el) = self.container.try_get_untracked().flatten() else {
            return;
        };
        let mut changed = false;
        // The rows are the section's own children (a live collection: no selector matching).
        let nodes = el.children();
        for k in 0..nodes.length() {
            let Some(row) = nodes.item(k).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) else {
                continue;
            };
            let Some(key) = row.get_attribute("data-size-key") else {
                continue;
            };
            let h = f64::from(row.offset_height());
            self.heights.update_value(|m| {
                if m.get(&key).is_none_or(|old| (old - h).abs() > 0.5) {
                    m.insert(key, h);
                    changed = true;
                }
            });
        }
        let height = f64::from(el.client_height());
        if height > 0.0 {
            self.viewport.try_set(height);
        }
        if changed {
            self.measured.notify();
        }
        if let Some((key, delta, frames)) = self.jump.get_value() {
            if let (Some(l), Some(o)) = (self.layout.try_get_untracked(), self.offsets.try_get_untracked()) {
                if let Some(idx) = l.0.rows.iter().position(|&r| l.0.size_key(r) == key) {
                    el.set_scroll_top((o[idx] + delta).round() as i32);
                }
            }
            self.jump.set_value((frames > 1).then(|| (key, delta, frames - 1)));
            if frames <= 1 && self.placing.get_untracked() {
                self.placing.try_set(false);
            }
            request_animation_frame(move || self.measure());
        } else if self.stick.get_value() {
            el.set_scroll_top(el.scroll_height());
        }
        if !changed {
            self.settling.set_value(false);
        }
    }
}
