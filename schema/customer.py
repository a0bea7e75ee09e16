"""A customer file: a company or an individual, with its people, log, dates, orders and cases."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, ValidationInfo, field_validator

from plaincrm.modelkit import (
    Day, Email, Handle, Money, OptionRef, Phone, Record, Satisfaction, Text,
    customer_id_type, customer_ref_type, labelled,
)

from . import options, settings

CustomerId = customer_id_type(settings)
CustomerRef = customer_ref_type(settings)


class Contact(Record):
    name: Text = labelled("Name", "姓名")
    title: str | None = labelled("Title", "职务", None)
    phone: Phone | None = labelled("Phone", "联系电话", None, description="whole, or masked as 138****5678")
    email: Email | None = labelled("E-mail", "电子邮箱", None)
    im: str | None = labelled("IM / WeChat", "微信/即时通讯", None)
    decision_maker: bool = labelled("Decision maker", "决策关键人", False)
    notes: str | None = labelled("Notes", "备注", None)
    verified: options["verification"].type | None = labelled(
        "Verification", "核实状态", None, description="to_check (待核实) while a detail is in doubt, e.g. a 空号"
    )
    verified_on: Day | None = labelled("Verified on", "核实日期", None)


class NextStep(Record):
    action: Text = labelled("Action", "下一步计划")
    due: Day = labelled("Due", "截止日期")
    status: options["step_status"].type = labelled("Status", "状态", "pending")


class Interaction(Record):
    date: Day = labelled("Date", "日期")
    channel: options["channel"].type = labelled("Channel", "沟通方式")
    topic: Text = labelled("Topic", "沟通主题")
    summary: Text = labelled("Summary", "沟通内容摘要")
    feedback: str | None = labelled("Customer feedback", "客户反馈", None)
    by: Annotated[list[Handle], Field(min_length=1)] = labelled("Participants", "参与人")
    satisfaction: Satisfaction | None = labelled("Satisfaction", "满意度", None)
    next_step: NextStep | None = labelled("Next step", "下一步", None)

    @field_validator("next_step")
    @classmethod
    def _due_not_before_contact(cls, step: NextStep | None, info: ValidationInfo):
        day = info.data.get("date")
        if step is not None and day is not None and step.due < day:
            raise ValueError(f"next step due {step.due} is before the interaction itself ({day})")
        return step


class KeyDate(Record):
    kind: options["key_date_kind"].type = labelled("Kind", "类型")
    date: Day = labelled("Date", "日期")
    note: str | None = labelled("Note", "说明", None)


class Order(Record):
    date: Day = labelled("Date", "日期")
    item: Text = labelled("Product or service", "产品/服务")
    amount: Money = labelled("Amount", "金额")
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = labelled("Currency", "币种", settings.default_currency)
    kind: options["order_kind"].type = labelled("Kind", "类型", "new")
    status: options["order_status"].type = labelled("Status", "状态", "signed")
    payment_method: options["payment_method"].type | None = labelled("Payment method", "支付方式", None)


class CaseStep(Record):
    """One step taken on a case: guide D's 服务记录 (时间, 内容, 结果) and who took it."""

    date: Day = labelled("Date", "时间")
    action: Text = labelled("What was done", "内容")
    result: str | None = labelled("Result", "结果", None)
    by: Handle | None = labelled("By", "经办人", None)


class ServiceCase(Record):
    kind: options["case_kind"].type = labelled("Kind", "类型")
    opened: Day = labelled("Opened", "提出日期")
    resolved: Day | None = labelled("Resolved", "解决日期", None)
    status: options["case_status"].type = labelled("Status", "状态", "open")
    summary: Text = labelled("Summary", "问题描述")
    resolution: str | None = labelled("Resolution", "处理结果", None)
    handler: Handle | None = labelled("Handler", "处理人", None, description="the team member handling the case")
    place: str | None = labelled("Place", "服务地点", None, description="where it was handled, e.g. 客户现场")
    participants: list[Handle] = labelled("Participants", "参与人员", [])
    steps: list[CaseStep] = labelled("Steps taken", "服务记录", [], description="时间, 内容, 结果: oldest first")

    @field_validator("steps")
    @classmethod
    def _steps_not_before_opened(cls, steps: list[CaseStep], info: ValidationInfo):
        opened = info.data.get("opened")
        for number, step in enumerate(steps, 1):
            if opened is not None and step.date < opened:
                raise ValueError(f"step {number} is dated {step.date}, before the case was opened ({opened})")
        return steps

    @field_validator("resolved")
    @classmethod
    def _resolved_after_opened(cls, resolved, info: ValidationInfo):
        opened = info.data.get("opened")
        if resolved is not None and opened is not None and resolved < opened:
            raise ValueError(f"resolved on {resolved}, before the case was opened ({opened})")
        return resolved

    @field_validator("status")
    @classmethod
    def _closed_cases_have_a_date(cls, status, info: ValidationInfo):
        if status in ("resolved", "closed") and "resolved" in info.data and info.data["resolved"] is None:
            raise ValueError(f"a case with status {status!r} needs its 'resolved' date")
        return status


class Size(Record):
    employees: options["employees"].type | None = labelled("Employees", "员工数", None)
    revenue: str | None = labelled("Annual revenue", "年营收", None, description="e.g. 年营收5000万+")


class CustomerBase(Record):
    id: CustomerId = labelled("Customer id", "客户编号")
    kind: options["customer_kind"].type = labelled("Kind", "客户类型")  # narrowed by each variant below
    name: Text = labelled("Name", "客户名称")
    industry: options["industry"].type = labelled("Industry", "所属行业")
    source: options["source"].type = labelled("Source", "客户来源")
    category: options["category"].type = labelled("Category", "客户分类")
    cooperation: options["cooperation"].type = labelled("Cooperation", "合作状态")
    stage: options["stage"].type | None = labelled("Follow-up stage", "跟进阶段", None)
    intent: options["intent"].type | None = labelled("Intent to buy", "成交意向度", None)
    owner: Handle = labelled("Owner", "跟进人")
    city: str | None = labelled("City", "所在城市", None)
    tags: list[Text] = labelled("Tags", "客户标签", [])
    needs: str | None = labelled("Core needs", "核心需求", None)
    preferences: str | None = labelled("Preferences", "需求与偏好", None)
    satisfaction: Satisfaction | None = labelled("Satisfaction", "满意度评分", None)
    notes: str | None = labelled("Notes", "备注", None)
    external_ids: list[Text] = labelled(
        "External ids", "原系统编号", [], description="ids this customer had elsewhere (C001, a CRM's record id); crm import matches them"
    )
    referred_by: CustomerRef | None = labelled("Referred by", "推荐人", None)
    merged_into: CustomerRef | None = labelled(
        "Merged into", "已合并至", None, description="set by crm merge: this record is a duplicate kept for its links"
    )
    contacts: list[Contact] = labelled("Contacts", "联系人", [])
    interactions: list[Interaction] = labelled("Interactions", "互动记录", [])
    key_dates: list[KeyDate] = labelled("Key dates", "关键节点", [])
    orders: list[Order] = labelled("Orders", "订单", [])
    service_cases: list[ServiceCase] = labelled("Service cases", "服务工单", [])

    @field_validator("tags")
    @classmethod
    def _tags_unique(cls, tags: list[str]):
        seen = set()
        for tag in tags:
            if tag in seen:
                raise ValueError(f"tag {tag!r} is listed twice")
            seen.add(tag)
        return tags


class Company(CustomerBase):
    kind: Annotated[Literal["company"], OptionRef("customer_kind")] = labelled("Kind", "客户类型")
    size: Size | None = labelled("Size", "企业规模", None)
    parent: CustomerRef | None = labelled("Head office / group", "上级公司", None)


class Individual(CustomerBase):
    kind: Annotated[Literal["individual"], OptionRef("customer_kind")] = labelled("Kind", "客户类型")
    occupation: str | None = labelled("Occupation", "职业", None)
    age_band: options["age_band"].type | None = labelled("Age band", "年龄层", None)


Customer = Annotated[Union[Company, Individual], Field(discriminator="kind")]
