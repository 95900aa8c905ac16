use crate::context::{Missing, RegionCtx};
use crate::finding::{Resource, Severity};
use crate::rules;

/// A rule's identity and documentation, declared once in the rule's file.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// The rule's doc page, `rules/<ID>.md`, compiled in.
    pub doc: &'static str,
}

impl RuleMeta {
    pub fn doc_page(&self) -> DocPage<'static> {
        DocPage::parse(self.doc)
    }
}

/// Declares a rule's metadata; the doc page is read from `rules/<ID>.md`.
macro_rules! rule_meta {
    ($id:literal, $name:literal, $severity:ident) => {
        pub static META: $crate::registry::RuleMeta = $crate::registry::RuleMeta {
            id: $id,
            name: $name,
            severity: $crate::finding::Severity::$severity,
            doc: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../rules/",
                $id,
                ".md"
            )),
        };
    };
}
pub(crate) use rule_meta;

/// A rule: reads one region (and, through it, its account) and reports.
///
/// Returning `Err(Missing)` says the rule could not look at the region at all;
/// the audit turns it into an IB900 finding. A rule that can look at some
/// resources but not others reports the others through [`Sink::not_assessed`].
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &RegionCtx<'_>, out: &mut Sink) -> Result<(), Missing>;
}

/// A finding as a rule reports it, before the audit adds account, ARN and
/// fingerprint.
#[derive(Debug, Clone)]
pub struct Raw {
    pub severity: Severity,
    pub resource: Resource,
    pub message: String,
    /// Distinguishes several findings of one rule on one resource.
    pub key: Option<String>,
}

/// Where a rule puts what it finds.
#[derive(Debug, Default)]
pub struct Sink {
    pub(crate) findings: Vec<Raw>,
    pub(crate) missing: Vec<Missing>,
}

impl Sink {
    pub fn report(&mut self, severity: Severity, resource: Resource, message: impl Into<String>) {
        self.findings.push(Raw {
            severity,
            resource,
            message: message.into(),
            key: None,
        });
    }

    pub fn report_keyed(
        &mut self,
        severity: Severity,
        resource: Resource,
        key: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.findings.push(Raw {
            severity,
            resource,
            message: message.into(),
            key: Some(key.into()),
        });
    }

    /// This resource (or the whole region) could not be checked.
    pub fn not_assessed(&mut self, missing: Missing) {
        self.missing.push(missing);
    }

    pub fn findings(&self) -> &[Raw] {
        &self.findings
    }

    pub fn missing(&self) -> &[Missing] {
        &self.missing
    }
}

/// Every rule, in id order. Adding a rule: its file, and one line here.
pub fn registry() -> &'static [&'static dyn Rule] {
    static RULES: &[&dyn Rule] = &[
        &rules::ib001_endpoint_missing::ImageBuilderEndpointMissing,
        &rules::ib002_private_dns::PrivateDnsDisabled,
        &rules::ib003_vpc_dns_attributes::VpcDnsAttributesDisabled,
        &rules::ib004_endpoint_state::EndpointNotAvailable,
        &rules::ib005_https_ingress::EndpointBlocksHttps,
        &rules::ib006_single_az::EndpointSingleAz,
        &rules::ib010_s3_awstoe::S3PolicyBlocksAwstoe,
        &rules::ib011_s3_managed_components::S3PolicyBlocksManagedComponents,
        &rules::ib012_s3_path::NoS3Path,
        &rules::ib013_managed_component_read::ImageBuilderPolicyBlocksManagedComponents,
        &rules::ib014_ssm_endpoints::IsolatedBuildMissingSsm,
        &rules::ib020_custom_policy::CustomPolicyLoggingGap,
        &rules::ib021_cloudtrail::CloudTrailNotRecording,
        &rules::ib030_policy_action::PolicyActionMalformed,
        &rules::ib031_policy_invalid::PolicyInvalid,
        &rules::not_assessed::NotAssessed,
    ];
    RULES
}

/// Looks a rule up by id, case-insensitively.
pub fn rule_by_id(id: &str) -> Option<&'static dyn Rule> {
    registry()
        .iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(id))
}

/// A rule's doc page split into its parts.
#[derive(Debug, Clone, Copy)]
pub struct DocPage<'a> {
    /// `# IB002: private-dns-disabled`, without the `# `.
    pub title: &'a str,
    /// The one-line summary under the title.
    pub summary: &'a str,
    pub text: &'a str,
}

impl<'a> DocPage<'a> {
    pub fn parse(text: &'a str) -> DocPage<'a> {
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let title = lines.next().unwrap_or("").trim_start_matches('#').trim();
        let summary = lines.next().unwrap_or("");
        DocPage {
            title,
            summary,
            text,
        }
    }

    /// The body of a `## heading` section, trimmed; empty when absent.
    pub fn section(&self, heading: &str) -> &'a str {
        let marker = format!("\n## {heading}\n");
        let Some(start) = self.text.find(&marker) else {
            return "";
        };
        let body = &self.text[start + marker.len()..];
        let end = body.find("\n## ").unwrap_or(body.len());
        body[..end].trim()
    }
}
