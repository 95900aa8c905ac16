//! The end-to-end tests, as one test binary (one link instead of one per
//! file). Each module is one area; `common` holds the shared helpers,
//! among them the one way to run the `ibaudit` binary.

mod common;

mod browser;
mod catalog;
mod cli;
mod diagrams;
// The collector's tests run the live `scan`/`collect` against an AWS API
// emulator, so they need the binary built with the collector.
#[cfg(feature = "collector")]
mod collector;
#[cfg(feature = "collector")]
mod collector_deadline;
// The collected snapshot against the AWS CLI's output for the same calls.
#[cfg(feature = "collector")]
mod fidelity;
// Each CloudFormation fixture deployed into the emulator: `scan` of the
// deployed twin against `iac` on the template.
#[cfg(feature = "collector")]
mod iac_twin;
// Hostile input and environments; they rely on Linux's /proc and devices.
mod duplicates;
// The Security Hub (ASFF) and OCSF reports against botocore's model and the
// OCSF schema (the emulator venv's python).
mod formats;
mod github;
#[cfg(target_os = "linux")]
mod hostile;
mod iac;
mod incomplete_resources;
mod malformed;
mod memory;
mod no_silent_pass;
mod org;
#[cfg(target_os = "linux")]
mod tty;
// Organization scans against the emulator: many accounts, shards, refusals.
#[cfg(feature = "collector")]
mod org_live;
mod rule_fixtures;
mod sarif;
#[cfg(feature = "collector")]
mod scale;
// The scale emulator's answers against moto's for the same resources.
#[cfg(feature = "collector")]
mod scale_moto;
// The Security Hub import against moto's Security Hub.
#[cfg(feature = "collector")]
mod securityhub;
