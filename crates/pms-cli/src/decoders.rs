//! The payload decoders each connector crate contributes.

use pms_core::{PayloadDecoder, PmsKind};

/// The decoder for a vendor, or `None` while its connector is not built.
pub fn decoder_for(pms: PmsKind) -> Option<Box<dyn PayloadDecoder>> {
    match pms {
        PmsKind::Opera | PmsKind::Mews | PmsKind::Cloudbeds => None,
    }
}
