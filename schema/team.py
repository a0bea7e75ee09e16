"""records/team.yaml: the people who own customers and take part in interactions."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from plaincrm.modelkit import Email, Record, Text, labelled

from . import options


class TeamMember(Record):
    handle: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")] = labelled("Handle", "账号")
    name: Text = labelled("Name", "姓名")
    role: options["role"].type = labelled("Role", "角色")
    login: Annotated[str, Field(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")] | None = labelled(
        "Git host login", "代码托管账号", None
    )
    email: Email | None = labelled("E-mail", "电子邮箱", None)
    group: Text | None = labelled(
        "Sub-team",
        "小组",
        None,
        description="members of one group read each other's customers when their role's audience is own+team",
    )
    aliases: list[Text] = labelled(
        "Aliases",
        "别名",
        [],
        description="other ways sheets name this person (王经理, Wang F.); crm import matches them",
    )


class Team(Record):
    members: list[TeamMember] = labelled("Members", "成员")

    @field_validator("members")
    @classmethod
    def _handles_unique(cls, members: list[TeamMember]):
        seen = set()
        for member in members:
            if member.handle in seen:
                raise ValueError(f"handle {member.handle!r} is used twice")
            seen.add(member.handle)
        return members
