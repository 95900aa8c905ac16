//! One file per rule, each declared with [`crate::rule::rule!`]. A rule is
//! registered by its one line in the list below, which declares its module
//! and puts it in the registry, in this order.

/// `module::Struct` per rule: declares each module and lists each rule in `ALL`.
macro_rules! rules {
    ($($module:ident::$rule:ident,)+) => {
        $(pub mod $module;)+

        /// Every rule, in id order.
        pub(crate) static ALL: &[&dyn crate::rule::Rule] = &[$(&$module::$rule,)+];
    };
}

rules! {
    ib001_endpoint_missing::ImageBuilderEndpointMissing,
    ib002_private_dns::PrivateDnsDisabled,
    ib003_vpc_dns_attributes::VpcDnsAttributesDisabled,
    ib004_endpoint_state::EndpointNotAvailable,
    ib005_https_ingress::EndpointBlocksHttps,
    ib006_single_az::EndpointSingleAz,
    ib010_s3_awstoe::S3PolicyBlocksAwstoe,
    ib011_s3_managed_components::S3PolicyBlocksManagedComponents,
    ib012_s3_path::NoS3Path,
    ib013_managed_component_read::ImageBuilderPolicyBlocksManagedComponents,
    ib014_ssm_endpoints::IsolatedBuildMissingSsm,
    ib020_custom_policy::CustomPolicyLoggingGap,
    ib021_cloudtrail::CloudTrailNotRecording,
    ib030_policy_action::PolicyActionMalformed,
    ib031_policy_invalid::PolicyInvalid,
    not_assessed::NotAssessed,
}

mod common;
mod s3_policy;
