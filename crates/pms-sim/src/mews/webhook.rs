//! Mews "General" webhook bodies (`events/wh-general.md`,
//! <https://docs.mews.com/connector-api/events/wh-general>): one POST per
//! batch, `{EnterpriseId, IntegrationId, Events: [{Discriminator, Value: {Id}}]}`.
//! Events carry ids only; the receiver fetches the state itself. There are no
//! order item or bill events, so charges produce none.

use serde_json::{Value, json};

use crate::server::SimCore;
use crate::state::Change;

/// The envelope for the changes of one write, or `None` when none is webhook-worthy.
pub(crate) fn general(core: &SimCore, changes: &[Change]) -> Option<Value> {
    let mut events = Vec::new();
    for change in changes {
        let (discriminator, id) = match *change {
            // "In fact only Reservations are currently supported" as service orders.
            Change::Reservation(id) => ("ServiceOrderUpdated", id),
            Change::Room(id) => ("ResourceUpdated", id),
            Change::GuestAdded(id) => ("CustomerAdded", id),
            Change::Guest(id) => ("CustomerUpdated", id),
            Change::Payment(id) => ("PaymentUpdated", id),
            Change::RoomBlock(id) => ("ResourceBlockUpdated", id),
        };
        events.push(json!({ "Discriminator": discriminator, "Value": { "Id": id } }));
    }
    if events.is_empty() {
        return None;
    }
    let enterprise_id = core.read().property.id;
    Some(json!({ "EnterpriseId": enterprise_id, "IntegrationId": core.integration_id, "Events": events }))
}
