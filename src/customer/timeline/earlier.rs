//! Earlier history: read a page at a time and put in front of the loaded items, with the rows
//! in sight kept where they are. Requests queue: a jump made while a page is read runs after it.

use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;

use super::geometry::Geometry;
use crate::api::{Api, ApiError, CustomerPage};
use crate::customer::{history, Shown};

/// Whether enough is loaded for a request.
pub(super) type Enough = Rc<dyn Fn(&CustomerPage) -> bool>;
/// What to run once it is (or once nothing earlier is left).
pub(super) type Then = Option<Rc<dyn Fn()>>;

/// The reader's handles, in one `Copy` value.
#[derive(Clone, Copy)]
pub(super) struct Earlier {
    shown: Shown,
    api: Api,
    geometry: Geometry,
    pub(super) loading: RwSignal<bool>,
    pub(super) failed: RwSignal<Option<ApiError>>,
    queue: StoredValue<Vec<(Enough, Then)>, LocalStorage>,
}

impl Earlier {
    pub(super) fn new(shown: Shown, api: Api, geometry: Geometry) -> Earlier {
        Earlier {
            shown,
            api,
            geometry,
            loading: RwSignal::new(false),
            failed: RwSignal::new(None),
            queue: StoredValue::new_local(Vec::new()),
        }
    }

    /// Reads earlier pages until `enough` holds or the first item is loaded, then runs `then`.
    pub(super) fn load(self, enough: Enough, then: Then) {
        self.queue.update_value(|q| q.push((enough, then)));
        if self.loading.get_untracked() {
            return;
        }
        self.loading.set(true);
        self.failed.set(None);
        leptos::task::spawn_local(async move {
            while let Some((enough, then)) = self
                .queue
                .try_update_value(|q| (!q.is_empty()).then(|| q.remove(0)))
                .flatten()
            {
                // A failure ends it, and the requests still waiting are dropped.
                if self.read_until(&*enough).await.is_err() {
                    self.queue.try_update_value(Vec::clear);
                }
                if let Some(then) = then {
                    then();
                }
            }
            self.loading.try_set(false);
        });
    }

    async fn read_until(self, enough: &dyn Fn(&CustomerPage) -> bool) -> Result<(), ()> {
        let g = self.geometry;
        while let Some(page) = self.shown.try_get_untracked().flatten() {
            let Some(cursor) = page.earlier.clone().filter(|_| !enough(&page)) else {
                break;
            };
            let customer = page.customer.id.clone();
            match self.api.backend().timeline(&customer, Some(&cursor)).await {
                Ok(earlier) => {
                    let Some(now) = self.shown.try_get_untracked().flatten() else {
                        break;
                    };
                    let Some(grown) = history::with_earlier(&now, &customer, &cursor, earlier) else {
                        break;
                    };
                    let anchor = (!g.stick.get_value()).then(|| g.anchor()).flatten();
                    self.shown.set(Some(Arc::new(grown)));
                    if let Some((key, delta)) = anchor.filter(|_| g.jump.get_value().is_none()) {
                        g.jump.set_value(Some((key, delta, 4)));
                        g.placing.set(true);
                    }
                    g.remeasure();
                }
                Err(e) => {
                    self.failed.try_set(Some(e));
                    return Err(());
                }
            }
        }
        Ok(())
    }

    /// One page more than is loaded now, then `then`.
    pub(super) fn one_page(self, then: Then) {
        let have = self
            .shown
            .with_untracked(|p| p.as_ref().map_or(0, |p| p.timeline.len()));
        self.load(Rc::new(move |p: &CustomerPage| p.timeline.len() > have), then);
    }

    /// Neither reading nor stopped by a failure.
    pub(super) fn idle(self) -> bool {
        !self.loading.get_untracked() && self.failed.with_untracked(Option::is_none)
    }

    /// One status line whatever the state: fewer view types, a smaller bundle.
    pub(super) fn status(self) -> String {
        match (self.loading.get(), self.failed.get()) {
            (true, _) => "Loading earlier history…".to_owned(),
            (false, Some(error)) => format!("Earlier history could not be loaded. {error}"),
            (false, None) => String::new(),
        }
    }

    /// The button's text; `count`: outer None, nothing earlier; inner None, not said how much.
    pub(super) fn button(self, count: Option<Option<usize>>) -> String {
        match (self.failed.with(Option::is_some), count) {
            (true, _) => "Try again".to_owned(),
            (false, Some(Some(n))) => format!("Show earlier history ({n} more)"),
            (false, _) => "Show earlier history".to_owned(),
        }
    }
}
