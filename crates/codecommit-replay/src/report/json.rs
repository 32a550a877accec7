//! JSON: the [`Report`] serialized as it is, the one schema `report --input` reads back.

use crate::result::Report;

pub fn render(report: &Report) -> String {
    // Serializing these plain structs cannot fail (string keys, no foreign Serialize impls).
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{gating, survey};
    use super::*;

    #[test]
    fn the_report_is_written_as_it_is() {
        let text = render(&gating());
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(value["helper"], "helper 1.0");
        assert_eq!(value["contract"], "workspace");
        assert_eq!(value["contract_rows"][1]["promise"], "hosts.foreign");
        assert_eq!(value["contract_rows"][1]["outcome"], "fail");
        assert_eq!(
            value["contract_rows"][1]["first_mismatch"],
            "answered example.org"
        );
        assert_eq!(
            value["results"][1]["steps"][0]["exposed"][0],
            "example.org (https): access_key_id, codecommit_password"
        );
        let survey = render(&survey());
        assert!(survey.contains("\"contract\": null"), "{survey}");
    }
}
