//! The payload decoders each connector crate contributes.

use pms_core::{PayloadDecoder, PmsKind};

/// The decoder for a vendor.
pub fn decoder_for(pms: PmsKind) -> Box<dyn PayloadDecoder> {
    match pms {
        PmsKind::Opera => Box::new(pms_opera::OperaDecoder::new()),
        PmsKind::Mews => Box::new(pms_mews::MewsDecoder),
        PmsKind::Cloudbeds => Box::new(pms_cloudbeds::CloudbedsDecoder),
    }
}
