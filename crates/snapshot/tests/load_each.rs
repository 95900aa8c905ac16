//! `load_each` hands each account over once, in file order, whatever ends
//! the read: a snapshot that fails part way is read a second time for the
//! error that names where (the first read does not track the JSON path),
//! and the accounts handed over before the failure are not handed again.

use std::path::{Path, PathBuf};

use ibaudit_snapshot::{load, load_each, LoadError};

fn account(id: &str, partition: &str) -> String {
    format!(
        r#"{{"account_id":"{id}","partition":{partition},"regions":[{{"region":"us-east-1"}}]}}"#
    )
}

fn write(name: &str, accounts: &[String]) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "ibaudit-load-each-{}-{name}.json",
        std::process::id()
    ));
    let text = format!(
        "{{\n\"ibaudit_snapshot\": 1,\n\"collected_at\": \"2026-12-01T00:00:00Z\",\n\"accounts\": [\n{}\n]\n}}\n",
        accounts.join(",\n")
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn ids(path: &Path) -> (Vec<String>, Result<(), LoadError>) {
    let mut seen = Vec::new();
    let read = load_each(path, |_, a| seen.push(a.account_id)).map(|_| ());
    (seen, read)
}

#[test]
fn a_snapshot_that_reads_hands_every_account_once() {
    let path = write(
        "good",
        &[
            account("111111111111", "\"aws\""),
            account("222222222222", "\"aws\""),
            account("333333333333", "\"aws\""),
        ],
    );
    let (seen, read) = ids(&path);
    std::fs::remove_file(&path).unwrap();
    read.unwrap();
    assert_eq!(seen, ["111111111111", "222222222222", "333333333333"]);
}

#[test]
fn a_failure_part_way_names_its_path_and_hands_no_account_twice() {
    let path = write(
        "bad",
        &[
            account("111111111111", "\"aws\""),
            account("222222222222", "\"aws\""),
            account("333333333333", "5"),
            account("444444444444", "\"aws\""),
        ],
    );
    let (seen, read) = ids(&path);
    let whole = load(&path).map(|_| ());
    std::fs::remove_file(&path).unwrap();
    assert_eq!(seen, ["111111111111", "222222222222"]);
    let err = read.unwrap_err();
    match &err {
        LoadError::Data {
            json_path,
            line,
            column,
            ..
        } => {
            assert_eq!(json_path, "accounts[2].partition", "{err}");
            assert_eq!((*line, *column), (7, 42), "{err}");
        }
        other => panic!("{other}"),
    }
    // The same error as reading the whole snapshot at once.
    assert_eq!(err.to_string(), whole.unwrap_err().to_string());
}

#[test]
fn a_second_copy_of_an_account_is_refused_after_the_first_was_handed() {
    let path = write(
        "twice",
        &[
            account("111111111111", "\"aws\""),
            account("111111111111", "\"aws\""),
        ],
    );
    let (seen, read) = ids(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(seen, ["111111111111", "111111111111"]);
    let err = read.unwrap_err().to_string();
    assert!(
        err.contains("account 111111111111 appears more than once"),
        "{err}"
    );
}
