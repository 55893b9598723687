//! Folios (bills), their charge lines, payments and card holds.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::{ChargeId, Currency, ExternalRef, FolioId, Money, RequestId, VendorId};

/// A folio (bill): what a stay, or an account, has been charged and paid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Folio {
    /// Internal id, derived from the hotel and `external`.
    pub id: FolioId,
    /// The folio's (or, for vendors without folios, the reservation's) id in the PMS.
    pub external: ExternalRef,
    /// Whose folio it is. Serialized in place as `"reservation": {..}` (the
    /// form of folios before owners other than reservations existed) or
    /// `"account": {..}`.
    #[serde(flatten)]
    pub owner: FolioOwner,
    /// Charges minus payments, as the vendor computes it, in the folio's
    /// currency. A folio whose lines are in several currencies (Mews amounts
    /// each carry their own) keeps the others in `other_balances`.
    pub balance: Money,
    /// Charges minus payments in each further currency of a folio that mixes
    /// currencies, one entry per currency, sorted by code; empty (and left out
    /// of the JSON) for a folio in one currency. See [`Folio::is_multi_currency`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_balances: Vec<Money>,
    /// Charge lines, including voided ones (flagged).
    pub charges: Vec<FolioCharge>,
    /// Payments.
    pub payments: Vec<Payment>,
}

/// Whose folio it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FolioOwner {
    /// A reservation's folio (the stay, in the PMS).
    Reservation(ExternalRef),
    /// An account's bill, not tied to one stay: a guest profile's or a
    /// company's (Mews `bills/getAll` `AccountId` with `AccountType`).
    Account(FolioAccount),
}

/// The account a folio belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolioAccount {
    /// The account in the PMS.
    pub external: ExternalRef,
    /// What kind of account.
    pub kind: AccountKind,
}

/// Kinds of account that own folios.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// A guest profile (Mews `Customer`).
    Guest,
    /// A company (Mews `Company`).
    Company,
    /// A vendor kind with no equivalent here, verbatim.
    Other(String),
}

impl Folio {
    /// The reservation the folio belongs to, when a reservation owns it.
    pub fn reservation(&self) -> Option<&ExternalRef> {
        match &self.owner {
            FolioOwner::Reservation(reservation) => Some(reservation),
            FolioOwner::Account(_) => None,
        }
    }

    /// Whether the folio's lines are in more than one currency.
    pub fn is_multi_currency(&self) -> bool {
        !self.other_balances.is_empty()
    }

    /// Every balance: `balance` first, then `other_balances`.
    pub fn balances(&self) -> impl Iterator<Item = &Money> {
        std::iter::once(&self.balance).chain(&self.other_balances)
    }

    /// The balance recomputed from the lines in `balance`'s currency:
    /// non-voided charges minus charged or pending payments. Reconciliation
    /// compares it with `balance`; [`Folio::computed_balances`] covers every currency.
    pub fn computed_balance(&self) -> Result<Money, crate::Error> {
        let currency = self.balance.currency;
        let mut balances = line_balances(&self.charges, &self.payments)?;
        // A line in a currency the folio does not declare is a mapping error,
        // not a second balance to ignore.
        if let Some(other) = balances
            .keys()
            .find(|c| !self.balances().any(|b| b.currency == **c))
        {
            return Err(crate::Error::CurrencyMismatch {
                left: currency,
                right: *other,
            });
        }
        Ok(balances.remove(&currency).unwrap_or(Money::zero(currency)))
    }

    /// The balance of each currency the lines use, recomputed from them
    /// (sorted by currency code; empty for a folio without lines).
    pub fn computed_balances(&self) -> Result<Vec<Money>, crate::Error> {
        Ok(line_balances(&self.charges, &self.payments)?
            .into_values()
            .collect())
    }
}

/// Non-voided charges minus charged or pending payments, per currency: the
/// balance of each currency the lines use.
pub fn line_balances(
    charges: &[FolioCharge],
    payments: &[Payment],
) -> Result<BTreeMap<Currency, Money>, crate::Error> {
    let mut balances: BTreeMap<Currency, Money> = BTreeMap::new();
    let mut add = |amount: Money| -> Result<(), crate::Error> {
        let entry = balances
            .entry(amount.currency)
            .or_insert(Money::zero(amount.currency));
        *entry = entry.checked_add(amount)?;
        Ok(())
    };
    for charge in charges.iter().filter(|c| !c.voided) {
        add(charge.total)?;
    }
    // Only payments that moved (or are moving) money count; a failed or
    // voided one, or a vendor state we cannot interpret, does not.
    for payment in payments
        .iter()
        .filter(|p| matches!(p.state, PaymentState::Charged | PaymentState::Pending))
    {
        add(-payment.amount)?;
    }
    Ok(balances)
}

/// One charge line on a folio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FolioCharge {
    /// Internal id, derived from the hotel and `external`.
    pub id: ChargeId,
    /// The line's id in the PMS.
    pub external: ExternalRef,
    /// What kind of charge.
    pub kind: ChargeKind,
    /// Free-text description as posted.
    pub description: String,
    /// Price of one unit.
    pub unit_amount: Money,
    /// Number of units.
    pub quantity: Decimal,
    /// Line total as the vendor reports it.
    pub total: Money,
    /// Tax included in or added to `total`, when the vendor reports it.
    pub tax: Option<Money>,
    /// The vendor's transaction / accounting code.
    pub transaction_code: Option<String>,
    /// Outlet (restaurant, spa, bar) reference.
    pub outlet: Option<String>,
    /// When it was posted.
    pub posted_at: DateTime<Utc>,
    /// The hotel business date it was posted on, when known.
    pub business_date: Option<NaiveDate>,
    /// Whether it has been voided / cancelled.
    pub voided: bool,
    /// Our request id, when it was posted by us and the vendor kept it.
    pub request_id: Option<RequestId>,
}

/// Kinds of charge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    /// Accommodation.
    Room,
    /// In-room dining.
    RoomService,
    /// Spa treatment.
    Spa,
    /// Restaurant or bar.
    Restaurant,
    /// Minibar.
    Minibar,
    /// Tip.
    Gratuity,
    /// Anything else, with the vendor's label when it has one.
    Other(String),
}

/// A payment on a folio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// The payment's id in the PMS.
    pub external: ExternalRef,
    /// Amount paid (positive; refunds are negative).
    pub amount: Money,
    /// Method as the vendor names it (`Cash`, `CreditCard`, ...).
    pub method: Option<String>,
    /// State.
    pub state: PaymentState,
    /// When it was taken.
    pub paid_at: Option<DateTime<Utc>>,
}

/// Payment states.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Pending settlement.
    Pending,
    /// Settled.
    Charged,
    /// Voided / cancelled.
    Voided,
    /// Declined or errored: no money moved.
    Failed,
    /// A vendor state with no equivalent here, verbatim.
    Other(String),
}

/// A pre-authorization held on a guest's card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardHold {
    /// Our request id for the hold.
    pub request_id: RequestId,
    /// The hold's id in the PMS or payment gateway, once it has one.
    pub external: Option<ExternalRef>,
    /// The tokenized card.
    pub card: CardToken,
    /// Amount held.
    pub amount: Money,
    /// State.
    pub state: CardHoldState,
}

/// Card hold states.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardHoldState {
    /// Asked for, not answered yet.
    Requested,
    /// Authorized by the issuer.
    Authorized,
    /// Turned into a payment.
    Captured,
    /// Released.
    Released,
    /// Refused.
    Declined,
}

/// A payment-gateway token for a card (never a card number). Treated as a
/// secret in memory and in `Debug`; it serializes in clear because the store
/// must keep it, and the store encrypts it at rest.
#[derive(Clone)]
pub struct CardToken(SecretString);

impl CardToken {
    /// Wraps a gateway token.
    pub fn new(token: impl Into<String>) -> Self {
        CardToken(SecretString::from(token.into()))
    }

    /// The token, for the call that needs it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for CardToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardToken(<redacted>)")
    }
}

impl PartialEq for CardToken {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Serialize for CardToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for CardToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(CardToken::new)
    }
}

/// A charge to post to a reservation's folio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChargeRequest {
    /// Our id for this intent; the same on every retry.
    pub request_id: RequestId,
    /// The reservation to charge, in the PMS.
    pub reservation: VendorId,
    /// What kind of charge.
    pub kind: ChargeKind,
    /// Description shown on the folio.
    pub description: String,
    /// Price of one unit.
    pub unit_amount: Money,
    /// Number of units.
    pub quantity: Decimal,
    /// The vendor's transaction code / accounting category for this charge.
    pub transaction_code: Option<String>,
    /// Outlet reference.
    pub outlet: Option<String>,
    /// When the guest consumed it.
    pub consumed_at: DateTime<Utc>,
}

impl ChargeRequest {
    /// `unit_amount * quantity`.
    pub fn total(&self) -> Result<Money, crate::Error> {
        self.unit_amount.checked_mul(self.quantity)
    }
}

/// What the PMS answered to a posted charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedCharge {
    /// Our request id.
    pub request_id: RequestId,
    /// The vendor's id for what was created (order, line or transaction).
    pub external: ExternalRef,
}
