//! [`Cashiering`]: `postBillingCharges` with our reference, and the read-back
//! of a posting by that reference through `getGuestsTransactions`.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use pms_core::{
    ChargeId, ChargeKind, ChargeRequest, Currency, ExternalRef, FolioCharge, Money, PmsKind, PostedCharge,
    RequestId, VendorId,
};
use pms_http::{Body as Payload, Bytes, Call, Method, Transport};
use rust_decimal::Decimal;
use secrecy::ExposeSecret;
use serde_json::value::RawValue;

use super::OhipConfig;
use super::http::{self, Body};
use super::token::TokenCache;
use super::wire::{
    BillingCharges, BillingChargesCriteria, BillingChargesDetails, ChargeCriteria, GuestsTransactions, Price,
    ReservationId, SummaryPosting,
};
use crate::error::OperaError;
use crate::map::MapContext;

const POST: &str = "postBillingCharges";
const READ: &str = "getGuestsTransactions";

/// `summaryPostingType.reference` maxLength in `csh.json`; the write-side
/// `chargeCriteriaType.postingReference` bound was not found in the spec
/// version read, so ours is checked against the read-side one.
pub const MAX_REFERENCE_LEN: usize = 2000;

/// Longest `postingRemark` sent (`summaryPostingType.remark` maxLength).
const MAX_REMARK_CHARS: usize = 2000;

const PREFIX: &str = "PMSREQ:";

/// The `postingReference` of a request: `PMSREQ:` and the 32 hex digits of
/// the id (39 ASCII characters, the same text OWS `LongInfo` carries), so the
/// same intent always sends, and finds, the same reference.
pub fn posting_reference(request_id: RequestId) -> String {
    format!("{PREFIX}{}", request_id.simple())
}

fn request_id_of(reference: &str) -> Option<RequestId> {
    reference.trim().strip_prefix(PREFIX)?.parse().ok()
}

/// OHIP cashiering for one hotel, reached through
/// [`OperaClient`](crate::OperaClient)'s `PmsClient` methods.
#[derive(Debug)]
pub struct Cashiering {
    transport: Transport,
    config: Arc<OhipConfig>,
    tokens: TokenCache,
}

impl Cashiering {
    /// Cashiering through `transport` (its timeout, body limit, gate and
    /// read retries apply), under OHIP's rules.
    pub(crate) fn new(transport: &Transport, config: OhipConfig) -> Self {
        let config = Arc::new(config);
        let transport = transport.with_rules(http::RULES);
        Cashiering {
            tokens: TokenCache::new(transport.clone(), config.clone()),
            transport,
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &OhipConfig {
        &self.config
    }

    /// One authenticated exchange; a 401 renews the token and sends once more.
    pub(super) async fn exchange(&self, request_id: &str, call: Call) -> Result<Body, OperaError> {
        let operation = call.operation;
        let mut renewed = false;
        loop {
            let token = self.tokens.get(request_id).await?;
            let mut request = call.clone();
            let headers = [
                ("authorization", format!("Bearer {}", token.expose_secret())),
                ("x-app-key", self.config.app_key.expose_secret().to_owned()),
                ("x-hotelid", self.config.hotel_id.clone()),
                ("x-request-id", request_id.to_owned()),
            ];
            for (name, value) in headers {
                request.headers.insert(name, super::token::header_value(&value)?);
            }
            let body = http::send(&self.transport, request, request_id).await?;
            if body.status == 401 && !renewed {
                tracing::debug!(operation, request_id, "OHIP token refused, renewing it");
                self.tokens.invalidate(&token).await;
                renewed = true;
                continue;
            }
            return Ok(body);
        }
    }

    /// Posts `charge` (already validated: `total` in the hotel currency,
    /// `transaction_code` set) as one posting of quantity 1 carrying
    /// [`posting_reference`]. OHIP takes no posting date: OPERA posts on its
    /// business date.
    pub(crate) async fn post_charge(
        &self,
        charge: &ChargeRequest,
        total: Money,
        transaction_code: &str,
    ) -> Result<PostedCharge, OperaError> {
        let reservation = charge.reservation.as_str();
        let reference = posting_reference(charge.request_id);
        // `x-request-id` must match csh.json's pattern, a hyphenated UUID
        // (`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-...`): the UUID's own text form.
        let request_id = charge.request_id.to_string();
        let mut amount = total.amount;
        amount.rescale(total.currency.minor_units());
        let amount = RawValue::from_string(amount.to_string())
            .map_err(|e| OperaError::Validation(format!("charge amount: {e}")))?;
        let remark: String = charge.description.chars().take(MAX_REMARK_CHARS).collect();
        let body = BillingCharges {
            criteria: BillingChargesCriteria {
                hotel_id: &self.config.hotel_id,
                reservation_id: ReservationId {
                    id: reservation,
                    kind: "Reservation",
                    id_context: "OPERA",
                },
                charges: vec![ChargeCriteria {
                    transaction_code,
                    price: Price {
                        amount,
                        currency_code: total.currency.code().to_owned(),
                    },
                    posting_quantity: 1,
                    posting_reference: &reference,
                    posting_remark: &remark,
                    cashier_id: self.config.cashier_id,
                }],
                cashier_id: self.config.cashier_id,
            },
        };
        let json =
            serde_json::to_vec(&body).map_err(|e| OperaError::Validation(format!("charge body: {e}")))?;
        let url = self.config.url(&[
            "csh",
            "v1",
            "hotels",
            &self.config.hotel_id,
            "reservations",
            reservation,
            "charges",
        ])?;
        let answer = self
            .exchange(
                &request_id,
                Call::new(POST, Method::POST, url, true).with_body(Payload::Json(Bytes::from(json))),
            )
            .await?;
        let lost = |message: String| OperaError::OutcomeUnknown {
            operation: POST,
            message,
            transaction_id: request_id.clone(),
        };
        match answer.status {
            200..=299 => {}
            // The gateway or OPERA may have applied it before failing.
            500 | 502 | 504 => return Err(lost(format!("HTTP {}", answer.status))),
            status => {
                return Err(http::status_error(
                    POST,
                    &request_id,
                    status,
                    &answer.bytes,
                    answer.retry_after,
                    http::status_kind(status),
                ));
            }
        }
        let id = posted_id(&answer.bytes, reference).map_err(lost)?;
        let id = VendorId::new(id).map_err(|e| OperaError::Validation(e.to_string()))?;
        Ok(PostedCharge {
            request_id: charge.request_id,
            external: ExternalRef::new(PmsKind::Opera, id),
        })
    }

    /// The posting of `reservation` whose `reference` is our reference for
    /// `request_id`, if OPERA holds one. The reference filter is also sent to
    /// OPERA (`referenceNumberWildCard`), but the match is exact and local.
    pub(crate) async fn find_charge(
        &self,
        reservation: &str,
        request_id: RequestId,
        ctx: &MapContext,
    ) -> Result<Option<FolioCharge>, OperaError> {
        let reference = posting_reference(request_id);
        let call_id = RequestId::new_random().to_string();
        let mut url = self
            .config
            .url(&["csh", "v1", "hotels", &self.config.hotel_id, "transactions"])?;
        url.query_pairs_mut()
            .append_pair("reservationList", reservation)
            .append_pair("referenceNumberWildCard", &reference);
        let answer = self
            .exchange(&call_id, Call::new(READ, Method::GET, url, false))
            .await?;
        if !(200..=299).contains(&answer.status) {
            return Err(http::status_error(
                READ,
                &call_id,
                answer.status,
                &answer.bytes,
                answer.retry_after,
                http::status_kind(answer.status),
            ));
        }
        // 204: "GuestsTransactions not found".
        if answer.status == 204 {
            return Ok(None);
        }
        find_posting(&answer.bytes, &reference, ctx)
    }
}

/// The id of a posting from a 2xx `postBillingCharges` answer: the
/// transaction number when OPERA returns the posting, our `reference`
/// otherwise; `Err` with why an answer that is there cannot be read.
pub(super) fn posted_id(bytes: &[u8], reference: String) -> Result<String, String> {
    let details: BillingChargesDetails = if bytes.iter().all(u8::is_ascii_whitespace) {
        BillingChargesDetails::default()
    } else {
        super::wire::from_json(bytes, "billingChargesDetails").map_err(|e| e.to_string())?
    };
    Ok(details
        .postings
        .iter()
        .find(|p| p.reference.as_deref().map(str::trim) == Some(reference.as_str()))
        .or_else(|| details.postings.first())
        .and_then(|p| p.transaction_no.as_deref().map(str::trim))
        // A blank number must not turn an applied charge into a refusal.
        .filter(|number| !number.is_empty())
        .map_or(reference, str::to_owned))
}

/// The posting carrying `reference` in a `getGuestsTransactions` answer, if any.
pub(super) fn find_posting(
    bytes: &[u8],
    reference: &str,
    ctx: &MapContext,
) -> Result<Option<FolioCharge>, OperaError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let transactions: GuestsTransactions = super::wire::from_json(bytes, "guestsTransactions")?;
    transactions
        .reservation_folio_information
        .iter()
        .flat_map(|info| &info.folio_windows)
        .flat_map(|window| &window.folios)
        .flat_map(|folio| &folio.postings)
        .find(|p| p.reference.as_deref().map(str::trim) == Some(reference))
        .map(|posting| folio_charge(posting, ctx))
        .transpose()
}

fn money(
    amount: &super::wire::CurrencyAmount,
    ctx: &MapContext,
    path: &str,
) -> Result<Option<Money>, OperaError> {
    let Some(value) = amount.amount else {
        return Ok(None);
    };
    let currency = match amount.currency_code.as_deref().map(str::trim) {
        None | Some("") => ctx.currency,
        Some(code) => Currency::new(code).map_err(|_| OperaError::decode(path, "unknown currencyCode"))?,
    };
    Ok(Some(Money::new(value, currency)))
}

/// A `summaryPostingType` as a folio line.
fn folio_charge(posting: &SummaryPosting, ctx: &MapContext) -> Result<FolioCharge, OperaError> {
    let total = match posting.posted_amount.as_ref() {
        Some(posted) => money(posted, ctx, "postings/postedAmount")?,
        None => None,
    }
    .or_else(|| posting.transaction_amount.map(|a| Money::new(a, ctx.currency)))
    .ok_or_else(|| OperaError::decode("postings/postedAmount", "missing"))?;
    let quantity = posting.quantity.filter(|q| !q.is_zero()).unwrap_or(Decimal::ONE);
    let unit = match posting.price.as_ref() {
        Some(price) => money(price, ctx, "postings/price")?,
        None => None,
    }
    .map_or_else(
        || {
            total
                .amount
                .checked_div(quantity)
                .map(|a| Money::new(a, total.currency))
                .ok_or_else(|| OperaError::decode("postings/quantity", "cannot divide"))
        },
        Ok,
    )?;
    let reference = posting.reference.as_deref().unwrap_or_default().trim();
    let line = posting
        .transaction_no
        .clone()
        .unwrap_or_else(|| reference.to_owned());
    let external = ExternalRef::new(
        PmsKind::Opera,
        VendorId::new(line).map_err(|_| OperaError::decode("postings/transactionNo", "empty"))?,
    );
    let business_date = posting
        .transaction_date
        .as_deref()
        .map(|d| NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d"))
        .transpose()
        .map_err(|_| OperaError::decode("postings/transactionDate", "not a date"))?;
    // A posting carries its business date only (`format: date`).
    let posted_at = business_date
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| ctx.time_zone.from_local_datetime(&t).earliest())
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let code = posting.transaction_code.clone().filter(|c| !c.trim().is_empty());
    Ok(FolioCharge {
        id: ChargeId::derive(&ctx.hotel, &external),
        external,
        kind: ChargeKind::Other(code.clone().unwrap_or_default()),
        description: posting
            .transaction_description
            .clone()
            .or_else(|| posting.remark.clone())
            .unwrap_or_default(),
        unit_amount: unit,
        quantity,
        total,
        tax: None,
        transaction_code: code,
        outlet: None,
        posted_at,
        business_date,
        voided: false,
        request_id: request_id_of(reference),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_short_stable_and_parse_back() {
        let id = RequestId::new_random();
        let reference = posting_reference(id);
        assert_eq!(reference, posting_reference(id));
        assert_eq!(reference.len(), 39);
        assert!(reference.len() <= MAX_REFERENCE_LEN);
        assert_eq!(request_id_of(&reference), Some(id));
        assert_eq!(request_id_of("PMSREQ:nothex"), None);
        assert_eq!(request_id_of("someone else's reference"), None);
    }
}
