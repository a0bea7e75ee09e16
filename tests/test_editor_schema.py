"""The JSON Schema editors use is generated from the models and agrees with them."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from pydantic import ValidationError

from plaincrm import editor_schema
from plaincrm.loading import parse_text, read_record
from plaincrm.project import Project

from .conftest import GOOD_RECORD, REPO

PROJECT = Project(REPO)


def test_committed_json_schema_is_what_the_models_generate():
    from plaincrm.write.actions import sync_generated

    stale = sync_generated(PROJECT, which=("schema",), check=True)
    assert stale.ok and stale.changes == (), "run `crm schema` and commit the result"


def test_generation_is_byte_for_byte_reproducible():
    assert editor_schema.generate(PROJECT) == editor_schema.generate(PROJECT)


def test_sample_records_point_editors_at_the_schema():
    for path in PROJECT.customer_files():
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../../schema/customer.schema.json", path


# --- differential: pydantic and JSON Schema judge the same corpus alike --------------

BASE = parse_text(GOOD_RECORD.format(id="C20240501001", name="A科技有限公司"), "base.yaml").data


def mutate(**changes):
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is DELETE:
            del target[int(last) if last.isdigit() else last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return data


DELETE = object()

GOOD = {
    "base": BASE,
    "individual": mutate(kind="individual", age_band="from_25_to_34", occupation="教师"),
    "masked phone": mutate(**{"contacts.0.phone": "138****5678"}),
    "landline": mutate(**{"contacts.0.phone": "010-88886666"}),
    "amount": mutate(orders=[{"date": "2024-06-01", "item": "运维服务", "amount": 12000.5, "kind": "renewal"}]),
    "optional satisfaction": mutate(satisfaction=5),
    "no contacts": mutate(contacts=[]),
}

BAD = {
    "missing name": mutate(name=DELETE),
    "unknown field": mutate(industy="software_it"),
    "bad option": mutate(source="tv"),
    "chinese label instead of value": mutate(source="展会"),
    "badly written date": mutate(**{"interactions.0.date": "2024/05/10"}),
    "impossible date": mutate(**{"interactions.0.date": "2024-02-30"}),
    "date as a number": mutate(**{"interactions.0.date": 0}),
    "date and time": mutate(**{"interactions.0.date": "2024-05-10T00:00:00"}),
    "short month": mutate(**{"interactions.0.date": "2024-5-10"}),
    "satisfaction too high": mutate(satisfaction=6),
    "satisfaction as text": mutate(satisfaction="4"),
    "satisfaction as bool": mutate(satisfaction=True),
    "negative amount": mutate(orders=[{"date": "2024-06-01", "item": "x", "amount": -1}]),
    "amount as text": mutate(orders=[{"date": "2024-06-01", "item": "x", "amount": "12000"}]),
    "phone as number": mutate(**{"contacts.0.phone": 13812345678}),
    "bad email": mutate(**{"contacts.0.email": "zhang at example"}),
    "bad id": mutate(id="C2024"),
    "tags as text": mutate(tags="高意向"),
    "empty name": mutate(name=""),
    "unknown kind": mutate(kind="partner"),
    "individual field on a company": mutate(age_band="from_25_to_34"),
    "company field on an individual": mutate(kind="individual", size={"employees": "under_10"}),
    "lowercase currency": mutate(orders=[{"date": "2024-06-01", "item": "x", "amount": 1, "currency": "cny"}]),
    "nobody took part": mutate(**{"interactions.0.by": []}),
    "bad handle": mutate(owner="Li Wei"),
    "extra field in a contact": mutate(**{"contacts.0.mobile": "1"}),
    "not a list of contacts": mutate(contacts={"name": "x"}),
}

# Rules JSON Schema cannot express: pydantic alone enforces them (the editor shows no error).
PYDANTIC_ONLY = {
    "next step before the interaction": mutate(**{"interactions.0.next_step.due": "2024-05-01"}),
    "duplicate tag": mutate(tags=["a", "a"]),
    "case resolved before opened": mutate(
        service_cases=[
            {
                "kind": "complaint",
                "opened": "2024-06-10",
                "resolved": "2024-06-01",
                "status": "resolved",
                "summary": "x",
            }
        ]
    ),
}


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((REPO / "schema" / "customer.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def pydantic_accepts(data) -> bool:
    try:
        PROJECT.customer_adapter.validate_python(data)
        return True
    except ValidationError:
        return False


@pytest.mark.parametrize("name", GOOD)
def test_good_records_pass_both(name, validator):
    assert pydantic_accepts(GOOD[name])
    assert list(validator.iter_errors(GOOD[name])) == []


@pytest.mark.parametrize("name", BAD)
def test_bad_records_fail_both(name, validator):
    assert not pydantic_accepts(BAD[name])
    assert list(validator.iter_errors(BAD[name])) != []


@pytest.mark.parametrize("name", PYDANTIC_ONLY)
def test_cross_field_rules_are_pydantic_only(name, validator):
    assert not pydantic_accepts(PYDANTIC_ONLY[name])
    assert list(validator.iter_errors(PYDANTIC_ONLY[name])) == []


def test_sample_records_pass_both(validator):
    for path in PROJECT.customer_files():
        data = read_record(path, path.name).data
        assert pydantic_accepts(data), path
        assert list(validator.iter_errors(data)) == [], path
