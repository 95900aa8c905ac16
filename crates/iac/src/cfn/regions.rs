//! The regions of each AWS partition, to evaluate a template in every
//! region when no `--region` is given.
//!
//! Data from botocore 1.43.11, `botocore/data/endpoints.json`: each
//! partition's `partition`, `dnsSuffix` (the `AWS::URLSuffix` pseudo
//! parameter) and the keys of its `regions`, sorted.

pub(crate) struct Partition {
    pub name: &'static str,
    pub url_suffix: &'static str,
    pub regions: &'static [&'static str],
}

pub(crate) const PARTITIONS: &[Partition] = &[
    Partition {
        name: "aws",
        url_suffix: "amazonaws.com",
        regions: &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
    },
    Partition {
        name: "aws-cn",
        url_suffix: "amazonaws.com.cn",
        regions: &["cn-north-1", "cn-northwest-1"],
    },
    Partition {
        name: "aws-us-gov",
        url_suffix: "amazonaws.com",
        regions: &["us-gov-east-1", "us-gov-west-1"],
    },
    Partition {
        name: "aws-iso",
        url_suffix: "c2s.ic.gov",
        regions: &["us-iso-east-1", "us-iso-west-1"],
    },
    Partition {
        name: "aws-iso-b",
        url_suffix: "sc2s.sgov.gov",
        regions: &["us-isob-east-1", "us-isob-west-1"],
    },
    Partition {
        name: "aws-iso-e",
        url_suffix: "cloud.adc-e.uk",
        regions: &["eu-isoe-west-1"],
    },
    Partition {
        name: "aws-iso-f",
        url_suffix: "csp.hci.ic.gov",
        regions: &["us-isof-east-1", "us-isof-south-1"],
    },
    Partition {
        name: "aws-eusc",
        url_suffix: "amazonaws.eu",
        regions: &["eusc-de-east-1"],
    },
];

pub(crate) fn partition(name: &str) -> Option<&'static Partition> {
    PARTITIONS.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_have_their_regions_and_suffixes() {
        let aws = partition("aws").unwrap();
        assert!(aws.regions.contains(&"us-east-1"));
        assert!(aws.regions.contains(&"eu-west-3"));
        assert!(!aws.regions.contains(&"cn-north-1"));
        assert_eq!(aws.url_suffix, "amazonaws.com");
        let cn = partition("aws-cn").unwrap();
        assert_eq!(cn.regions, &["cn-north-1", "cn-northwest-1"]);
        assert_eq!(cn.url_suffix, "amazonaws.com.cn");
        assert_eq!(
            partition("aws-us-gov").unwrap().regions,
            &["us-gov-east-1", "us-gov-west-1"]
        );
        assert!(partition("nope").is_none());
    }
}
