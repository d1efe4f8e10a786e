//! Customers and the activities other systems post into their timelines.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::commands::{AddActivity, CreateCustomer, Outcome};
use super::{non_empty, Store};
use crate::error::CoreResult;
use crate::model::*;

impl Store {
    pub(super) fn create_customer(&mut self, now: DateTime<Utc>, c: &CreateCustomer) -> CoreResult<Outcome> {
        let new = &c.customer;
        let name = new.name.trim();
        non_empty(name, "A customer needs a name.")?;
        let points = |list: &[String]| -> Vec<ContactPoint> {
            list.iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .enumerate()
                .map(|(i, s)| ContactPoint {
                    original: s.to_owned(),
                    primary: i == 0,
                    label: None,
                })
                .collect()
        };
        let id = CustomerId::from(self.next_id("cu"));
        let customer = Customer {
            id: id.clone(),
            name: name.to_owned(),
            image: None,
            address: new.address.clone(),
            emails: points(&new.emails),
            phones: points(&new.phones),
            handles: new.handles.clone(),
            external_customer_ids: BTreeMap::new(),
            custom_attributes: new.custom_attributes.clone(),
            created_at: now,
        };
        self.customers.insert(id.clone(), customer);
        Ok(Outcome::Customer { customer_id: id })
    }

    pub(super) fn add_activity(&mut self, now: DateTime<Utc>, c: &AddActivity) -> CoreResult<Outcome> {
        self.customer(&c.customer_id)?;
        non_empty(&c.title, "The activity needs a title.")?;
        let content = ItemContent::CustomerActivity(Box::new(ActivityContent {
            title: c.title.clone(),
            body: c.body.clone(),
            link: c.link.clone(),
        }));
        let item_id = self.push_item(now, &c.customer_id, None, Initiator::System, content);
        Ok(Outcome::Item { item_id })
    }
}
