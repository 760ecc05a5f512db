#!/usr/bin/python3
"""report-schemas.py SARIF_SCHEMA OUT.sarif OUT.json

Validate a kmsxchg SARIF report against the published SARIF 2.1.0 JSON
schema (draft-04, with format checks), run a negative control, and check
the documented shape of the JSON report (codec/check/report.c).
"""
import json
import sys

import jsonschema


def main():
    schema_path, sarif_path, json_path = sys.argv[1:4]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    with open(sarif_path, encoding="utf-8") as f:
        sarif = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    v = cls(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(v.iter_errors(sarif), key=lambda e: list(e.path))
    for e in errors[:20]:
        print("FAIL: SARIF: %s at %s" % (e.message, list(e.path)))
    ok = not errors
    if ok:
        print("ok: SARIF report validates against sarif-schema-2.1.0.json")

    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    for res in run["results"]:
        if "ruleId" in res and ids[res["ruleIndex"]] != res["ruleId"]:
            print("FAIL: SARIF ruleIndex does not match ruleId")
            ok = False
    if not run["results"]:
        print("FAIL: SARIF report has no results (expected some)")
        ok = False

    # negative control: the validator must refuse a broken log
    bad = json.loads(json.dumps(sarif))
    bad["runs"][0]["results"].append({"level": "fatal",
                                      "message": {"text": "x"}})
    if not list(v.iter_errors(bad)):
        print("FAIL: negative control: a level 'fatal' validated")
        ok = False

    with open(json_path, encoding="utf-8") as f:
        rep = json.load(f)
    if list(rep) != ["version", "files", "summary"] or rep["version"] != 1:
        print("FAIL: JSON report top level: %s" % list(rep))
        ok = False
    keys = ["rule", "severity", "line", "column", "offset", "key",
            "message"]
    nerr = 0
    for f in rep["files"]:
        if list(f) not in (["file", "valid", "findings"],
                           ["file", "valid", "not_printed",
                            "not_printed_message", "findings"]):
            print("FAIL: JSON file entry: %s" % list(f))
            ok = False
        errs = [x for x in f["findings"] if x["severity"] == "error"]
        nerr += len(errs)
        if f["valid"] != (not errs):
            print("FAIL: JSON valid flag of %s" % f["file"])
            ok = False
        for x in f["findings"]:
            if list(x) != keys:
                print("FAIL: JSON finding keys: %s" % list(x))
                ok = False
    if rep["summary"]["errors"] != nerr or \
            rep["summary"]["files"] != len(rep["files"]):
        print("FAIL: JSON summary does not add up")
        ok = False
    if ok:
        print("ok: JSON report has the documented shape")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
