//! The vendor documents load and their operations are found.
#![allow(clippy::unwrap_used)]

use pms_contract::{Formats, Spec, VendorSpecs};

#[test]
fn every_vendor_document_loads_and_finds_an_operation() {
    let Some(specs) = VendorSpecs::from_env_or_skip("pms-contract documents") else {
        return;
    };
    let t = std::time::Instant::now();
    let mews = Spec::load(
        "mews",
        &specs.file("mews/connector-api.openapi.yaml").unwrap(),
        Formats::default(),
    )
    .unwrap();
    println!("mews {:?}", t.elapsed());
    let op = mews
        .operation("POST", "/api/connector/v1/reservations/getAll/2023-06-06")
        .unwrap();
    assert_eq!(op.id, "reservations_getAll_2023-06-06");
    let t = std::time::Instant::now();
    let cb = Spec::load(
        "cloudbeds",
        &specs.file("cloudbeds/pms-v1.3-openapi.yaml").unwrap(),
        Formats::default(),
    )
    .unwrap();
    println!("cloudbeds {:?}", t.elapsed());
    let op = cb.operation("GET", "/api/v1.3/getReservations").unwrap();
    println!("{op:?}");
    let t = std::time::Instant::now();
    let csh = Spec::load("csh", &specs.file("ohip/csh.json").unwrap(), Formats::default()).unwrap();
    println!("csh {:?}", t.elapsed());
    let op = csh.operation("GET", "/csh/v1/hotels/H1/transactions").unwrap();
    assert_eq!(op.id, "getGuestsTransactions");
    assert_eq!(op.path_params, vec![("hotelId".to_owned(), "H1".to_owned())]);
}
