"""Each way a file can fool a YAML loader is refused with its own message and position."""

from __future__ import annotations

import pytest

from plaincrm.loading import Limits, parse_text, read_record
from plaincrm.problems import ProblemError


def problems_of(text: str, limits: Limits = Limits()):
    with pytest.raises(ProblemError) as caught:
        parse_text(text, "r.yaml", limits)
    return caught.value.problems


def only(text: str, limits: Limits = Limits()):
    found = problems_of(text, limits)
    assert len(found) == 1, found
    return found[0]


def test_plain_record_parses_to_plain_data():
    raw = parse_text("id: C20240501001\nn: 3\nok: yes\nx: ~\nf: 1.5\nd: 2024-05-10\nl: [a, b]\n", "r.yaml")
    assert raw.data == {
        "id": "C20240501001",
        "n": 3,
        "ok": True,
        "x": None,
        "f": 1.5,
        "d": "2024-05-10",
        "l": ["a", "b"],
    }


def test_dates_stay_text_so_an_impossible_date_is_not_a_crash():
    assert parse_text("d: 2024-02-30\n", "r.yaml").data == {"d": "2024-02-30"}


def test_duplicate_keys_are_each_reported_at_the_second_occurrence():
    found = problems_of("id: C1\nname: a\ntags: []\nname: b\ncontacts:\n  - {name: x, name: y}\n")
    assert [(p.code, p.line, p.col, p.field) for p in found] == [
        ("yaml.duplicate-key", 4, 1, "name"),
        ("yaml.duplicate-key", 6, 15, "name"),
    ]
    assert "duplicate key 'name'" in found[0].message


@pytest.mark.parametrize(
    "text, found",
    [("- a\n- b\n", "a list"), ("just text\n", "a single value")],
)
def test_a_record_must_be_a_mapping(text, found):
    problem = only(text)
    assert problem.code == "yaml.not-mapping" and (problem.line, problem.col) == (1, 1)
    assert f"must be a mapping of fields (key: value), found {found}" in problem.message


def test_several_documents_are_refused_at_the_second_one():
    problem = only("id: C1\n---\nid: C2\n")
    assert problem.code == "yaml.multiple-documents"
    assert problem.line == 2
    assert "several YAML documents" in problem.message


def test_a_leading_document_marker_is_fine():
    assert parse_text("---\nid: C1\n", "r.yaml").data == {"id": "C1"}


@pytest.mark.parametrize(
    "tag_text, shown",
    [
        ("!!python/object/apply:os.system ['echo hi']", "!!python/object/apply:os.system"),
        ("!!python/name:os.system ''", "!!python/name:os.system"),
        ("!custom value", "!custom"),
        ("!!binary aGk=", "!!binary"),
        ("!!timestamp 2024-05-10", "!!timestamp"),
        ("!!set {a: null}", "!!set"),
    ],
)
def test_custom_tags_are_refused(tag_text, shown):
    problem = only(f"id: C1\nnotes: {tag_text}\n")
    assert problem.code == "yaml.tag"
    assert (problem.line, problem.col) == (2, 8)
    assert f"YAML tag {shown!r} is not allowed" in problem.message


def test_standard_explicit_tags_are_fine():
    assert parse_text("a: !!str 123\nb: !!int '7'\n", "r.yaml").data == {"a": "123", "b": 7}


def test_billion_laughs_is_stopped_by_the_alias_bound():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        prev = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([prev] * 9)}]")
    problem = only("\n".join(lines) + "\n")
    assert problem.code == "yaml.alias-bomb"
    assert "aliases expand to more than 1000 nodes" in problem.message
    assert problem.line == 1  # the anchored value that is being repeated


def test_a_few_aliases_and_merge_keys_are_allowed():
    raw = parse_text("base: &b {city: 深圳, owner: li.wei}\nx:\n  <<: *b\n  city: 广州\ny: *b\n", "r.yaml")
    assert raw.data["x"] == {"city": "广州", "owner": "li.wei"}
    assert raw.data["y"] == {"city": "深圳", "owner": "li.wei"}


def test_alias_bound_is_configurable():
    text = "a: &a [1, 2, 3]\nb: [*a, *a]\n"
    assert parse_text(text, "r.yaml", Limits(max_alias_nodes=10)).data["b"] == [[1, 2, 3], [1, 2, 3]]
    assert only(text, Limits(max_alias_nodes=5)).code == "yaml.alias-bomb"


def test_recursive_alias_is_refused():
    problem = only("a: &a [1, *a]\n")
    assert problem.code == "yaml.recursive-alias" and problem.line == 1


def test_non_text_keys_are_refused_with_a_hint():
    problem = only("id: C1\non: true\n")
    assert problem.code == "yaml.key" and (problem.line, problem.col) == (2, 1)
    assert "field names must be text, found 'on'; quote it" in problem.message


def test_syntax_errors_point_at_the_spot():
    problem = only("id: C1\nname: [unclosed\nsource: web\n")
    assert problem.code == "yaml.syntax" and problem.line == 3


def test_tabs_are_a_syntax_error():
    problem = only("id: C1\ncontacts:\n\t- name: x\n")
    assert problem.code == "yaml.syntax" and problem.line == 3


def test_empty_file():
    problem = only("# just a comment\n")
    assert problem.code == "yaml.empty"


def test_file_over_the_size_limit_is_not_even_parsed(tmp_path):
    path = tmp_path / "C1.yaml"
    path.write_text("notes: " + "x" * 2000 + "\n")
    with pytest.raises(ProblemError) as caught:
        read_record(path, "C1.yaml", Limits(max_file_bytes=1000))
    (problem,) = caught.value.problems
    assert problem.code == "file.too-large" and problem.line == 1
    assert "may be at most 1,000 bytes" in problem.message


def test_non_utf8_bytes_are_refused_with_their_position(tmp_path):
    path = tmp_path / "C1.yaml"
    path.write_bytes("id: C1\nname: 客户\n".encode() + "city: 深圳\n".encode("gbk"))
    with pytest.raises(ProblemError) as caught:
        read_record(path, "C1.yaml")
    (problem,) = caught.value.problems
    assert problem.code == "file.encoding"
    assert (problem.line, problem.col) == (3, 7)
    assert "not valid UTF-8" in problem.message


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "C1.yaml"
    path.write_bytes("\ufeffid: C1\n".encode())
    assert read_record(path, "C1.yaml").data == {"id": "C1"}


def test_positions_are_found_on_demand():
    raw = parse_text("id: C1\ninteractions:\n  - date: 2024-05-10\n  - date: 2024-13-01\n    by: [a]\n", "r.yaml")
    assert raw.position(("interactions", 1, "date")) == (4, 11)
    assert raw.position(("interactions", 1, "date"), at_key=True) == (4, 5)
    assert raw.position(("interactions", 1, "missing")) == (4, 5)
    assert raw.position(("interactions", 1, "by", 0)) == (5, 10)


def test_libyaml_is_used_when_pyyaml_has_it():
    import yaml

    from plaincrm import loading

    assert loading.WITH_LIBYAML == yaml.__with_libyaml__


def test_an_assignment_gives_a_model_its_own_fields_set():
    """Loaded models share their fields sets (memory); pydantic adds an assigned field to it in place."""
    from plaincrm.modelkit import Record

    class Item(Record):
        x: int
        y: int | None = None

    a, b = Item.model_validate({"x": 1}), Item.model_validate({"x": 2})
    assert a.__pydantic_fields_set__ is b.__pydantic_fields_set__
    a.y = 5
    assert a.model_fields_set == {"x", "y"} and b.model_fields_set == {"x"}
    assert Item.model_validate({"x": 3}).model_fields_set == {"x"}


def test_customer_file_names_are_the_customer_files_as_problems_name_them(repo):
    """The load takes each file's path and name as plain text (`Project.customer_file_names`): they must
    be `customer_files` and `relative`'s answer for each, in order, subfolders and skipped names alike."""
    from plaincrm.project import Project

    folder = repo.root / "records" / "customers"
    for name in ("C2.yaml", "2024/C1.yaml", "2024/deep/C3.yaml", ".hidden.yaml", ".git/C4.yaml", "notes.txt"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("id: x\n", encoding="utf-8")
    project = Project(repo.root)
    files = project.customer_files()
    assert [p.name for p in files] == ["C1.yaml", "C3.yaml", "C2.yaml"]
    assert project.customer_file_names() == [(str(p), project.relative(p)) for p in files]
    assert project.customer_file_names()[1][1] == "records/customers/2024/deep/C3.yaml"
