//! One file per `pms` subcommand.

pub mod audit;
pub mod demo;
pub mod health;
pub mod inbox;
pub mod reconcile;
pub mod replay;
pub mod serve;
pub mod sim;
pub mod sync;

/// Prints `value` as pretty JSON.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}
