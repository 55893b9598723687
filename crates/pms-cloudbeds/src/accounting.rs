//! Folio lines of a stay: the Accounting API first, `getTransactions` only
//! when the Accounting API refuses.
//!
//! `getTransactions` left the public v1.3 spec in June 2025; Cloudbeds'
//! "Documentation to support Cloudbeds API Transaction Termination"
//! (developers.cloudbeds.com) names `POST /accounting/v1.0/transactions` as
//! its replacement. Facts of that call (`src/accounting-v1.0-openapi.json`,
//! `paths./accounting/v1.0/transactions.post` and `components`):
//!
//! * Host `https://api.cloudbeds.com` (`servers`), paths prefixed with
//!   `/accounting/v1.0`; header `X-Property-ID` required (int64,
//!   `parameters.propertyIdHeader`); `bearerAuth` or OAuth `read:payment`.
//! * Body `ListTransactionsRequest`: `filters` required, one of the base
//!   filters required; we send `source_identifier` + `source_kind`
//!   (`RESERVATION`), `sort [{id, asc}]`, `limit` [`PAGE_LIMIT`] (max 1100).
//! * `sourceIdentifier` is the v1.3 `reservationID`: "If source_kind =
//!   RESERVATION, this field will contain a reservation identifier" (example
//!   `38883261663`, and `subSourceIdentifier` `38883261663-2`, the v1.3
//!   `subReservationID` form), while `sourceId` is an internal id.
//! * Paging: pass `nextPageToken` as `pageToken`; "When `nextPageToken` is
//!   null or absent, you have reached the last page".
//! * Errors: `ApiAccountingError {id, timestamp, errorCode, errorDetails}`
//!   with 400 (the call's documented answer), 403 "Access denied", 404.
//!
//! Reading the items ([`folio`]):
//! * **Amounts.** `info.description`: "Unless otherwise noted, monetary
//!   amounts are expressed in the smallest currency unit (e.g., cents for
//!   USD). Use the `currencyScale` field to determine the number of decimal
//!   places." `TransactionResponse.amount` notes nothing else and carries
//!   `currencyScale`, so with `currencyScale` the amount is minor units
//!   (`2450` at scale 2 is 24.50); an amount with a fraction there is a
//!   decode error, not a guess. Cloudbeds' published examples of this call
//!   (developers.cloudbeds.com/docs/example-2-void-transactions and its
//!   siblings, 2025) carry no `currencyScale` and show `"amount": 50.00`
//!   for a room rate: without `currencyScale` the amount is read as a
//!   decimal in major units.
//! * **Kinds and signs.** `internalTransactionCode` per the table of
//!   developers.cloudbeds.com/docs/accounting: `1000` room rate, `1100` room
//!   revenue, `1200` no show, `2000` item & service, `3000` addon, `4000`
//!   custom item (POS), `5000` cancellation, `6000` deposit transfer, `7000`
//!   AR ledger transfer, `8000` tax, `8100` fee, `9000`..`9300` payments;
//!   suffix `A` adjustment (refund for payments), `V` void, `R` routed. The
//!   examples show a room rate as a positive amount: charges keep the sign
//!   the ledger gives them, and payment lines (`9xxx`) are the ledger's
//!   credits, so a payment is `-amount` (a refund comes out negative, as
//!   the model wants). This keeps every sum of the ledger right, routed
//!   and transfer offsets included; that payments are negative in the
//!   ledger is inferred, not documented.
//! * **Voids.** A `V` line cancels the line its `parentId` names (`rootId`
//!   when it has no parent): that line is flagged voided, the `V` line is
//!   not a line of its own (it would count the amount twice). Which of the
//!   two ids a void carries is not documented.
//! * **Our charges.** `postCustomItem` sends `itemNote = pms-ref:<request
//!   id>`; a transaction names no partner reference (no `referenceID` in
//!   `TransactionResponse`), so read-back looks for that marker in `notes`
//!   ("Notes associated with the transaction"), then in `description`. That
//!   `itemNote` surfaces in `notes` is our assumption.
//!
//! **When the Accounting API refuses** ([`refused`]): 403 (`ACCESS_DENIED`:
//! the property is not on the Accounting service or the app has no grant
//! for it), 404/405/501 (the host serves no such call) or a
//! `*_FEATURE_DISABLED` code, the stay is read with `getTransactions`
//! ("Transactions from Cloudbeds API GetTransactions when property is NOT
//! transitioned to the Cloudbeds Accounting Service", docs example 4). Not
//! on 400 (our request is wrong: a bug to see, not to hide), 401 (the
//! credential is refused after a refresh: `getTransactions` would be too),
//! 429, 5xx or no answer (transient: the caller retries the whole read,
//! and one read never mixes the two sources).

use pms_core::{
    ChargeId, ChargeKind, Currency, ErrorKind, ExternalRef, Folio, FolioCharge, FolioId, FolioOwner, Money,
    Payment, PaymentState, PmsKind, VendorId,
};
use reqwest::Method;
use rust_decimal::Decimal;

use crate::client::{Call, CloudbedsClient, RawResponse, failure_kind, from_value, parse_json};
use crate::error::{CloudbedsError, vendor_text};
use crate::map::{self, MapContext};
use crate::wire::Probe;
use crate::wire::accounting::{
    AccountingTransaction, Filter, ListTransactionsPaginated, ListTransactionsRequest, Sort,
};
use crate::wire::folio::Transaction;

/// `limit` we ask for: below the documented maximum of 1100.
pub const PAGE_LIMIT: u32 = 1000;

/// Safety bound on the pages of one stay.
const MAX_PAGES: u32 = 1000;

/// Where a stay's folio lines came from.
#[derive(Debug, Clone)]
pub(crate) enum Ledger {
    /// `POST /accounting/v1.0/transactions`.
    Accounting(Vec<AccountingTransaction>),
    /// `GET /getTransactions`, after the Accounting API refused.
    Legacy(Vec<Transaction>),
}

impl Ledger {
    /// The stay's folio; `balance` is Cloudbeds' own when the caller has it.
    pub(crate) fn folio(
        &self,
        reservation_id: &str,
        balance: Option<Decimal>,
        ctx: &MapContext,
    ) -> Result<Folio, CloudbedsError> {
        match self {
            Ledger::Accounting(lines) => folio(reservation_id, lines, balance, ctx),
            Ledger::Legacy(lines) => map::folio(reservation_id, lines, balance, ctx),
        }
    }

    /// Whether `id` is a line of the stay, and if so the `soldProductID`
    /// its row names (the Accounting API names none; `getTransactions`
    /// documents none but is read in case it sends one).
    pub(crate) fn line(&self, id: &str) -> Option<Option<String>> {
        match self {
            Ledger::Accounting(lines) => lines.iter().any(|t| t.id.as_deref() == Some(id)).then_some(None),
            Ledger::Legacy(lines) => lines
                .iter()
                .find(|t| t.transaction_id.as_deref() == Some(id))
                .map(|t| t.sold_product_id.clone()),
        }
    }
}

/// Whether an Accounting answer means "not served here" (see the module docs).
pub(crate) fn refused(err: &CloudbedsError) -> bool {
    matches!(
        err,
        CloudbedsError::Api {
            status: 403 | 404 | 405 | 501,
            ..
        } | CloudbedsError::Api {
            kind: ErrorKind::Unsupported,
            ..
        }
    )
}

/// The transport's status table for Accounting reads: the kind [`check`]
/// gives a failure status (2xx is always the answer here).
pub(crate) fn read_failure(answer: &pms_http::Answer) -> Option<ErrorKind> {
    if answer.is_success() {
        return None;
    }
    let read = Call {
        method: Method::POST,
        name: "transactions",
        params: Vec::new(),
        write: false,
        json: None,
    };
    check(&read, RawResponse::of(answer)).err().map(|e| e.kind())
}

/// HTTP status and `ApiAccountingError` to a result: 2xx is the answer
/// (no `success` envelope here); errors are classified by `errorCode`
/// ([`crate::classify_code`]), else by status. The status stays in the
/// error so [`refused`] can tell a refusal from a failure.
pub(crate) fn check(
    call: &Call,
    response: RawResponse,
) -> Result<(pms_http::Bytes, Option<String>), CloudbedsError> {
    let RawResponse {
        status,
        body,
        request_id,
        retry_after,
    } = response;
    if (200..300).contains(&status) {
        return Ok((body, request_id));
    }
    let method = call.name;
    let probe: Option<Probe> = serde_json::from_slice(&body).ok();
    let code = probe
        .as_ref()
        .and_then(Probe::vendor_code)
        .map(vendor_text)
        .filter(|c| !c.is_empty());
    let message = probe
        .as_ref()
        .and_then(Probe::vendor_message)
        .map(vendor_text)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| format!("HTTP {status}"));
    if status == 429 {
        return Err(CloudbedsError::RateLimited {
            method,
            retry_after,
            request_id,
        });
    }
    if status == 401 {
        return Err(CloudbedsError::Auth {
            method,
            message,
            request_id,
        });
    }
    let kind = match status {
        405 | 501 => ErrorKind::Unsupported,
        403 => ErrorKind::Auth,
        _ if status >= 500 => ErrorKind::Transient,
        400 => code
            .as_deref()
            .and_then(crate::error::classify_code)
            .unwrap_or(ErrorKind::Validation),
        _ => failure_kind(status, code.as_deref(), &message),
    };
    tracing::warn!(method, status, request_id = ?request_id, ?kind, code = ?code, "cloudbeds accounting refused");
    Err(CloudbedsError::Api {
        method,
        status,
        kind,
        code,
        message,
        request_id,
    })
}

impl CloudbedsClient {
    /// `POST /accounting/v1.0/transactions` of one reservation
    /// (`source_identifier` = its `reservationID`, `source_kind` =
    /// `RESERVATION`), every page, oldest `id` first.
    pub(crate) async fn get_accounting_transactions(
        &self,
        reservation_id: &str,
    ) -> Result<Vec<AccountingTransaction>, CloudbedsError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let request = ListTransactionsRequest {
                filters: Filter::And {
                    and: vec![
                        Filter::equals("source_identifier", reservation_id),
                        Filter::equals("source_kind", "RESERVATION"),
                    ],
                },
                page_token: token.clone(),
                limit: PAGE_LIMIT,
                sort: vec![Sort {
                    field: "id",
                    direction: "asc",
                }],
            };
            let json = serde_json::to_value(&request)
                .map_err(|e| CloudbedsError::Validation(format!("accounting request: {e}")))?;
            let (body, _) = self
                .read_accounting(Call {
                    method: Method::POST,
                    name: "transactions",
                    params: Vec::new(),
                    write: false,
                    json: Some(json),
                })
                .await?;
            let page: ListTransactionsPaginated = parse_json(&body)?;
            for (i, raw) in page.transactions.unwrap_or_default().iter().enumerate() {
                out.push(from_value::<AccountingTransaction>(
                    raw,
                    &format!("$.transactions[{i}]"),
                )?);
            }
            match page.next_page_token {
                None => return Ok(out),
                Some(next) if token.as_deref() == Some(next.as_str()) => {
                    return Err(CloudbedsError::decode(
                        "$.nextPageToken",
                        "repeats the token of the page it answers",
                    ));
                }
                Some(next) => token = Some(next),
            }
        }
        Err(CloudbedsError::decode(
            "$.nextPageToken",
            format!("more than {MAX_PAGES} pages for one reservation"),
        ))
    }

    /// The stay's folio lines: the Accounting API, or `getTransactions` when
    /// the Accounting API refuses ([`refused`]).
    pub(crate) async fn ledger(&self, reservation_id: &str) -> Result<Ledger, CloudbedsError> {
        match self.get_accounting_transactions(reservation_id).await {
            Ok(lines) => Ok(Ledger::Accounting(lines)),
            Err(err) if refused(&err) => {
                tracing::info!(
                    error = %err,
                    "cloudbeds accounting API refused; reading the folio with getTransactions"
                );
                Ok(Ledger::Legacy(self.get_transactions(reservation_id).await?))
            }
            Err(err) => Err(err),
        }
    }
}

/// `internalTransactionCode` split into its number and its suffix
/// (`4000V` → `4000`, `V`).
fn code_parts(code: &str) -> (&str, Option<char>) {
    let code = code.trim();
    match code.char_indices().last() {
        Some((at, c)) if c.is_ascii_alphabetic() => {
            (code.get(..at).unwrap_or_default(), Some(c.to_ascii_uppercase()))
        }
        _ => (code, None),
    }
}

/// The charge kind of a (non-payment) code number.
fn charge_kind(number: &str) -> ChargeKind {
    let other = |label: &str| ChargeKind::Other(label.to_owned());
    match number {
        "1000" | "1100" => ChargeKind::Room,
        "1200" => other("no_show"),
        "2000" => other("item"),
        "3000" => other("addon"),
        "4000" => other("custom_item"),
        "5000" => other("cancellation"),
        "6000" => other("deposit_transfer"),
        "7000" => other("accounts_receivable_transfer"),
        "8000" => other("tax"),
        "8100" => other("fee"),
        "" => other("unknown"),
        code => ChargeKind::Other(code.to_owned()),
    }
}

/// `amount` in major units: divided by `10^currencyScale` when the scale is
/// given (the amount is then in minor units and must be whole), as is otherwise.
fn major_units(amount: Decimal, scale: Option<u32>, path: &str) -> Result<Decimal, CloudbedsError> {
    let Some(scale) = scale else {
        return Ok(amount);
    };
    if !amount.fract().is_zero() {
        return Err(CloudbedsError::decode(
            path,
            "an amount with currencyScale is in the smallest currency unit and cannot have a fraction",
        ));
    }
    let divisor = 10u64
        .checked_pow(scale)
        .filter(|_| scale <= 18)
        .map(Decimal::from)
        .ok_or_else(|| CloudbedsError::decode(path, "currencyScale out of range"))?;
    amount
        .checked_div(divisor)
        .ok_or_else(|| CloudbedsError::decode(path, "amount out of range"))
}

/// The Accounting transactions of one reservation to a folio (see the
/// module docs for units, signs and voids). `balance` is Cloudbeds' own
/// (`getReservation`) when the caller has it, else recomputed.
pub(crate) fn folio(
    reservation_id: &str,
    transactions: &[AccountingTransaction],
    balance: Option<Decimal>,
    ctx: &MapContext,
) -> Result<Folio, CloudbedsError> {
    let reservation = VendorId::new(reservation_id)
        .map(|v| ExternalRef::new(PmsKind::Cloudbeds, v))
        .map_err(|_| CloudbedsError::decode("$.transactions[].sourceIdentifier", "empty id"))?;
    let is_void = |t: &AccountingTransaction| {
        t.internal_transaction_code
            .as_deref()
            .is_some_and(|c| code_parts(c).1 == Some('V'))
    };
    let voided: std::collections::BTreeSet<&str> = transactions
        .iter()
        .filter(|t| is_void(t))
        .filter_map(|t| t.parent_id.as_deref().or(t.root_id.as_deref()))
        .collect();
    let mut charges = Vec::new();
    let mut payments = Vec::new();
    for (i, t) in transactions.iter().enumerate() {
        if is_void(t) {
            continue;
        }
        let path = |field: &str| format!("$.transactions[{i}].{field}");
        let id =
            t.id.as_deref()
                .ok_or_else(|| CloudbedsError::decode(path("id"), "missing required field"))?;
        let external = VendorId::new(id)
            .map(|v| ExternalRef::new(PmsKind::Cloudbeds, v))
            .map_err(|_| CloudbedsError::decode(path("id"), "empty id"))?;
        let currency = match &t.currency {
            Some(code) => {
                Currency::new(code).map_err(|_| CloudbedsError::decode(path("currency"), "not ISO 4217"))?
            }
            None => ctx.currency,
        };
        let raw = t
            .amount
            .ok_or_else(|| CloudbedsError::decode(path("amount"), "missing required field"))?;
        let amount = major_units(raw, t.currency_scale, &path("amount"))?;
        let code = t.internal_transaction_code.as_deref().unwrap_or_default();
        let (number, _) = code_parts(code);
        let is_voided = voided.contains(id);
        if number.starts_with('9') {
            payments.push(Payment {
                external,
                // A ledger credit: money received is positive, a refund negative.
                // (Negating a Decimal flips its sign bit: it cannot overflow.)
                amount: Money::new(std::ops::Neg::neg(amount), currency),
                method: t.description.clone(),
                state: if is_voided {
                    PaymentState::Voided
                } else {
                    PaymentState::Charged
                },
                paid_at: t.transaction_datetime,
            });
            continue;
        }
        let total = Money::new(amount, currency);
        let quantity = t.quantity.filter(|q| !q.is_zero()).unwrap_or(Decimal::ONE);
        let unit = total
            .amount
            .checked_div(quantity)
            .map(|u| Money::new(u, currency))
            .unwrap_or(total);
        let posted_at = t
            .transaction_datetime
            .ok_or_else(|| CloudbedsError::decode(path("transactionDatetime"), "missing required field"))?;
        charges.push(FolioCharge {
            id: ChargeId::derive(&ctx.hotel, &external),
            external,
            kind: charge_kind(number),
            description: t.description.clone().unwrap_or_default(),
            unit_amount: unit,
            quantity,
            total,
            tax: None,
            transaction_code: t
                .custom_transaction_code
                .clone()
                .or_else(|| t.internal_transaction_code.clone()),
            outlet: None,
            posted_at,
            business_date: t.service_date,
            voided: is_voided,
            request_id: map::request_id_in([&t.notes, &t.description]),
        });
    }
    let folio_ref = reservation.clone();
    let mut folio = Folio {
        id: FolioId::derive(&ctx.hotel, &folio_ref),
        external: folio_ref,
        owner: FolioOwner::Reservation(reservation),
        balance: Money::zero(ctx.currency),
        other_balances: Vec::new(),
        charges,
        payments,
    };
    folio.balance = match balance {
        Some(b) => Money::new(b, ctx.currency),
        None => folio
            .computed_balance()
            .map_err(|e| CloudbedsError::decode("$.transactions", e.to_string()))?,
    };
    Ok(folio)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_split_into_number_and_suffix() {
        assert_eq!(code_parts("4000V"), ("4000", Some('V')));
        assert_eq!(code_parts("9000a"), ("9000", Some('A')));
        assert_eq!(code_parts("1000"), ("1000", None));
        assert_eq!(code_parts(""), ("", None));
    }

    #[test]
    fn amounts_with_a_scale_are_minor_units() {
        use rust_decimal_macros::dec;
        assert_eq!(major_units(dec!(2450), Some(2), "a").unwrap(), dec!(24.50));
        assert_eq!(major_units(dec!(-500), Some(0), "a").unwrap(), dec!(-500));
        assert_eq!(major_units(dec!(50.00), None, "a").unwrap(), dec!(50.00));
        assert!(major_units(dec!(24.5), Some(2), "a").is_err());
        assert!(major_units(dec!(1), Some(40), "a").is_err());
    }
}
