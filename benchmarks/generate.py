"""Generate a synthetic plaincrm repository of realistic, valid customer records.

Benchmarks need thousands of records shaped like real ones (about ten interactions, two
contacts, a few key dates and orders, mixed Chinese and English text) that all pass
`crm validate`, so that the timings measure the happy path. YAML text is written
directly rather than through a dumper: it is faster and keeps the hand-written block
style of the sample record. The output depends only on the seed (byte-identical).

    python benchmarks/generate.py --customers 10000 --seed 1 --out /tmp/crm-bench
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
HEADER = "# yaml-language-server: $schema=../../schema/customer.schema.json"

# handle, name, role, login (the first six are this repository's own team)
TEAM = [
    ("li.wei", "李伟", "sales", "liwei-sales"),
    ("wang.fang", "王芳", "sales", "wangfang-crm"),
    ("zhang.min", "张敏", "service", "zhangmin-svc"),
    ("chen.jie", "陈杰", "manager", "chenjie-lead"),
    ("emma.hu", "Emma Hu", "sales", "emmahu"),
    ("admin", "系统管理员", "admin", "plaincrm-admin"),
    ("liu.yang", "刘洋", "sales", "liuyang-bd"),
    ("zhao.lei", "赵磊", "sales", "zhaolei"),
    ("james.lin", "James Lin", "sales", "jameslin"),
    ("sun.li", "孙丽", "service", "sunli-support"),
    ("olivia.chen", "Olivia Chen", "service", "oliviachen"),
    ("zhou.tao", "周涛", "manager", "zhoutao-mgr"),
]
OWNERS = [h for h, _, role, _ in TEAM if role in ("sales", "manager")]
STAFF = [h for h, _, role, _ in TEAM if role != "admin"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
    "晓东",
    "海燕",
    "文博",
    "思远",
    "雨桐",
    "子涵",
    "浩然",
]
EN_FIRST = ["Emma", "Liam", "Olivia", "Noah", "Sophia", "James", "Mia", "Lucas", "Grace", "David", "Anna", "Peter"]
EN_LAST = ["Smith", "Chen", "Wong", "Brown", "Miller", "Lee", "Garcia", "Tanaka", "Kim", "Schmidt", "O'Neill"]
CITIES_ZH = ["北京", "上海", "深圳", "广州", "杭州", "成都", "武汉", "南京", "苏州", "西安", "重庆", "天津"]
CITIES_EN = ["Singapore", "Hong Kong", "London", "Munich", "San Francisco", "Sydney", "Tokyo"]
FIRM_ZH = [
    "华创",
    "联信",
    "恒达",
    "新锐",
    "博远",
    "鼎盛",
    "天成",
    "云帆",
    "星河",
    "金桥",
    "瑞丰",
    "智联",
    "远航",
    "宏图",
    "嘉禾",
]
FIRM_ZH_END = [
    "科技有限公司",
    "软件股份有限公司",
    "制造有限公司",
    "贸易有限公司",
    "物流有限公司",
    "餐饮管理有限公司",
    "教育咨询有限公司",
    "医疗器械有限公司",
    "建设工程有限公司",
    "信息技术有限公司",
]
FIRM_EN = ["Northwind", "Bluewave", "Summit", "Harbor", "Redwood", "Brightpath", "Ironbridge", "Clearview", "Evergreen"]
FIRM_EN_END = ["Trading Co., Ltd.", "Software Ltd", "Logistics GmbH", "Foods Pte. Ltd.", "Systems Inc.", "Medical AG"]
TITLES = [
    "总经理",
    "技术总监",
    "采购经理",
    "财务主管",
    "运营负责人",
    "IT经理",
    "CEO",
    "CTO",
    "Procurement Manager",
    "Head of Operations",
]
OCCUPATIONS = ["律师", "医生", "自由职业", "教师", "企业主", "Designer", "Consultant", "Architect"]
REVENUES = ["年营收500万以下", "年营收1000万+", "年营收5000万+", "年营收1亿+", "about 20M USD a year"]
TAGS = [
    "高意向",
    "技术型",
    "价格敏感",
    "决策慢",
    "重点客户",
    "老客户推荐",
    "需要定制",
    "长期合作",
    "上市公司",
    "key account",
    "price sensitive",
    "fast mover",
    "needs customisation",
    "long cycle",
]
TEXT = {  # per language: topics, summary openings, summary endings, feedback, next steps, needs, preferences
    "zh": dict(
        topic=[
            "需求调研",
            "方案沟通",
            "报价确认",
            "合同谈判",
            "产品演示",
            "技术交流",
            "售后回访",
            "续约沟通",
            "培训安排",
            "问题反馈",
            "节日问候",
            "年度复盘",
        ],
        lead=[
            "客户介绍了现有系统的使用情况",
            "客户关注数据安全与权限管理",
            "对方希望在三季度前完成上线",
            "客户反馈现有供应商响应较慢",
            "双方确认了项目范围和交付节奏",
            "客户对报价有疑问，希望给出阶梯折扣",
            "演示了报表和审批流程，客户现场提了不少问题",
            "技术团队讨论了接口对接方案",
            "客户采购部门参与了本次沟通",
            "客户提出需要本地化部署，并询问了运维支持的范围",
        ],
        tail=[
            "下周提供详细方案。",
            "需要内部评审后回复。",
            "整体意向较高。",
            "预算仍在审批中。",
            "约定月底前再次沟通。",
            "希望安排一次现场拜访。",
            "已发送会议纪要。",
            "对方决策人将参加下次会议。",
        ],
        feedback=["希望尽快拿到报价", "对演示效果满意", "担心实施周期过长", "价格偏高，需要再谈", "需要更多同行业案例"],
        action=["发送报价单", "提供合同", "安排技术交流", "准备演示环境", "跟进付款", "回访使用情况"],
        needs=[
            "需要服务器运维解决方案",
            "希望统一管理各门店的销售数据",
            "需要移动端审批和报表",
            "计划替换现有的ERP系统",
        ],
        prefs=["偏好微信沟通，上午不方便接电话", "重视售后响应速度", "决策需要总部批准，周期较长"],
        item=["年度软件订阅", "实施服务", "培训服务", "硬件设备", "技术支持包"],
        case=["登录后报表加载缓慢", "发票信息有误需要重开", "咨询新功能的使用方法", "设备到货后无法开机"],
        fix=["已远程排查并优化查询", "已重新开具发票", "已发送操作手册并电话讲解", "已安排上门更换"],
    ),
    "en": dict(
        topic=[
            "Discovery call",
            "Proposal review",
            "Pricing discussion",
            "Contract negotiation",
            "Product demo",
            "Technical deep dive",
            "Follow-up",
            "Renewal planning",
            "Training session",
            "Quarterly review",
        ],
        lead=[
            "The client walked us through their current setup",
            "Procurement joined the call for the first time",
            "They asked for a volume discount on the annual plan",
            "Data residency is a hard requirement for them",
            "We demoed reporting and the approval workflow",
            "Their IT team reviewed the integration options",
            "The customer reported slow responses from their current vendor",
        ],
        tail=[
            "we will send a detailed proposal next week.",
            "a decision is expected after their internal review.",
            "budget approval is still pending.",
            "next meeting set for the end of the month.",
            "they would like an on-site visit.",
            "meeting notes have been shared.",
        ],
        feedback=[
            "Happy with the demo",
            "Price is on the high side",
            "Worried about the rollout timeline",
            "Wants references from the same industry",
        ],
        action=[
            "Send the quote",
            "Share the contract draft",
            "Book a technical session",
            "Prepare a demo environment",
            "Follow up on payment",
        ],
        needs=[
            "Wants one place for all regional sales data",
            "Needs approvals and reports on mobile",
            "Plans to replace a legacy ERP",
        ],
        prefs=["Prefers e-mail; avoid calls before 10 am", "Cares most about support response times"],
        item=["Annual subscription", "Implementation services", "Training", "Support package", "Hardware bundle"],
        case=[
            "Reports load slowly after login",
            "Invoice details need correcting",
            "How-to question about exports",
            "Device does not power on after delivery",
        ],
        fix=[
            "Query tuned after a remote session",
            "Invoice reissued",
            "Sent the manual and walked them through it",
            "Replacement shipped",
        ],
    ),
}


def _options() -> dict[str, list[str]]:
    raw = yaml.safe_load((REPO / "schema" / "options.yaml").read_text(encoding="utf-8"))
    return {name: list(values) for name, values in raw.items()}


OPT = _options()

_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`.+~0-9][^:#,\[\]{}\"'\\\n]*(?<!\s)")
_SPECIAL = re.compile(r"(?i)y|n|yes|no|true|false|on|off|null")


def q(text: str) -> str:
    """The text as a YAML scalar: plain when that is unambiguous (also in flow context), else double-quoted."""
    if _PLAIN.fullmatch(text) and not _SPECIAL.fullmatch(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(**fields) -> str:
    """A one-line flow mapping of already-formatted values, skipping None."""
    return "{" + ", ".join(f"{k}: {v}" for k, v in fields.items() if v is not None) + "}"


class _Writer:
    """Builds one customer at a time from a seeded random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def person(self, lang: str) -> str:
        r = self.rng
        if lang == "zh":
            return r.choice(SURNAMES) + r.choice(GIVEN)
        return f"{r.choice(EN_FIRST)} {r.choice(EN_LAST)}"

    def phone(self) -> str:
        r = self.rng
        mobile = "1" + r.choice("3578") + "".join(r.choice("0123456789") for _ in range(9))
        style = r.random()
        if style < 0.2:
            return mobile[:3] + "****" + mobile[7:]
        if style < 0.3:
            return f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"
        if style < 0.4:
            return f"{r.choice(['010', '021', '0755', '0571', '028'])}-{r.randint(20000000, 89999999)}"
        return mobile

    def contact(self, lang: str, first: bool) -> str:
        r = self.rng
        name = self.person(lang)
        if lang == "zh" and r.random() < 0.4:
            name = name[0] + r.choice(["经理", "总", "工", "老师"])
        local = r.choice(["sales", "info", "it", "purchase", "ops"]) + str(r.randint(1, 99))
        return flow(
            name=q(name),
            title=q(r.choice(TITLES)) if r.random() < 0.8 else None,
            phone=json.dumps(self.phone()),
            email=f"{local}@example.{r.choice(['com', 'cn', 'org'])}" if r.random() < 0.7 else None,
            im=q("wxid_" + "".join(r.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(8)))
            if r.random() < 0.3
            else None,
            decision_maker="true" if first and r.random() < 0.6 else None,
        )

    def interaction(self, lang: str, day: date, owner: str, last: bool) -> list[str]:
        r, t = self.rng, TEXT[lang]
        by = [owner] + ([r.choice([s for s in STAFF if s != owner])] if r.random() < 0.3 else [])
        lines = [
            f"  - date: {day}",
            f"    channel: {r.choice(OPT['channel'])}",
            f"    topic: {q(r.choice(t['topic']))}",
            f"    summary: {q(r.choice(t['lead']) + ('，' if lang == 'zh' else '; ') + r.choice(t['tail']))}",
        ]
        if r.random() < 0.3:
            lines.append(f"    feedback: {q(r.choice(t['feedback']))}")
        lines.append(f"    by: [{', '.join(by)}]")
        if r.random() < 0.3:
            lines.append(f"    satisfaction: {r.randint(2, 5)}")
        if r.random() < 0.5:
            due = day + timedelta(days=r.randint(2, 21))
            status = None if last else "done"
            lines.append(f"    next_step: {flow(action=q(r.choice(t['action'])), due=due, status=status)}")
        return lines

    def customer(self, cid: str, first_day: date, earlier: list[str], companies: list[str]) -> tuple[str, bool]:
        r = self.rng
        lang = "zh" if r.random() < 0.7 else "en"
        t = TEXT[lang]
        company = r.random() < 0.75
        owner = r.choice(OWNERS)
        if company:
            name = (
                r.choice(CITIES_ZH) + r.choice(FIRM_ZH) + r.choice(FIRM_ZH_END)
                if lang == "zh"
                else f"{r.choice(FIRM_EN)} {r.choice(FIRM_EN_END)}"
            )
        else:
            name = self.person(lang)
        source = r.choice(OPT["source"])
        out = [
            HEADER,
            f"id: {cid}",
            f"kind: {'company' if company else 'individual'}",
            f"name: {q(name)}",
            f"industry: {r.choice(OPT['industry'])}",
            f"source: {source}",
            f"category: {r.choice(OPT['category'])}",
            f"cooperation: {r.choice(OPT['cooperation'])}",
            f"owner: {owner}",
            f"city: {q(r.choice(CITIES_ZH if lang == 'zh' else CITIES_EN))}",
            f"tags: [{', '.join(q(tag) for tag in r.sample(TAGS, r.randint(0, 3)))}]",
        ]
        if company:
            out.append(
                "size: "
                + flow(
                    employees=r.choice(OPT["employees"]), revenue=q(r.choice(REVENUES)) if r.random() < 0.5 else None
                )
            )
        else:
            out.append(f"occupation: {q(r.choice(OCCUPATIONS))}")
            out.append(f"age_band: {r.choice(OPT['age_band'])}")
        out.append(f"needs: {q(r.choice(t['needs']))}")
        if r.random() < 0.4:
            out.append(f"preferences: {q(r.choice(t['prefs']))}")
        if source == "referral" and earlier:
            out.append(f"referred_by: {r.choice(earlier)}")
        if company and companies and r.random() < 0.03:
            out.append(f"parent: {r.choice(companies)}")

        out.append("contacts:")
        out += [f"  - {self.contact(lang, i == 0)}" for i in range(r.choice((1, 2, 2, 2, 3)))]

        out.append("interactions:")
        day = first_day
        count = r.randint(6, 14)
        for i in range(count):
            out += self.interaction(lang, day, owner, i == count - 1)
            day += timedelta(days=r.randint(3, 40))

        key_dates = [flow(kind="first_contact", date=first_day)]
        orders = []
        for when in sorted(
            first_day + timedelta(days=r.randint(10, 400)) for _ in range(r.choice((0, 0, 1, 1, 2, 3, 4)))
        ):
            amount = r.randint(20, 5000) * 100 if r.random() < 0.9 else r.randint(100, 99999) + 0.5
            orders.append(
                flow(
                    date=when,
                    item=q(r.choice(t["item"])),
                    amount=amount,
                    currency=r.choice(["USD", "EUR", "HKD"]) if r.random() < 0.1 else None,
                    kind=r.choice(OPT["order_kind"]),
                    status=r.choice(OPT["order_status"]),
                )
            )
        if orders:
            signed = first_day + timedelta(days=r.randint(10, 60))
            key_dates.append(flow(kind="contract_signed", date=signed))
            key_dates.append(
                flow(
                    kind="renewal_due", date=signed + timedelta(days=365), note=q("年度续约") if lang == "zh" else None
                )
            )
        if r.random() < 0.3:
            kind = "anniversary" if company else "birthday"
            key_dates.append(flow(kind=kind, date=date(r.randint(1960, 2015), r.randint(1, 12), r.randint(1, 28))))
        out.append("key_dates:")
        out += [f"  - {k}" for k in key_dates]
        if orders:
            out.append("orders:")
            out += [f"  - {o}" for o in orders]

        if r.random() < 0.15:
            out.append("service_cases:")
            for opened in sorted(first_day + timedelta(days=r.randint(20, 500)) for _ in range(r.randint(1, 2))):
                status = r.choice(OPT["case_status"])
                done = status in ("resolved", "closed")
                pick = r.randrange(len(t["case"]))
                out += [f"  - kind: {r.choice(OPT['case_kind'])}", f"    opened: {opened}"]
                if done:
                    out.append(f"    resolved: {opened + timedelta(days=r.randint(0, 14))}")
                out += [f"    status: {status}", f"    summary: {q(t['case'][pick])}"]
                if done:
                    out.append(f"    resolution: {q(t['fix'][pick])}")
        if r.random() < 0.6:
            out.append(f"satisfaction: {r.randint(1, 5)}")
        if r.random() < 0.2:
            out.append(f"notes: {q('年底前有扩容计划' if lang == 'zh' else 'Expansion planned before year end')}")
        return "\n".join(out) + "\n", company


def team_yaml() -> str:
    lines = ["# yaml-language-server: $schema=../schema/team.schema.json", "members:"]
    lines += [f"  - {flow(handle=h, name=q(n), role=role, login=login)}" for h, n, role, login in TEAM]
    return "\n".join(lines) + "\n"


def generate(out: Path, customers: int, seed: int = 1) -> Path:
    """Create `out` as a complete plaincrm repository with `customers` synthetic records; return it."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty")
    for src in sorted((REPO / "schema").rglob("*")):
        if src.suffix in (".py", ".yaml", ".json") and "__pycache__" not in src.parts:
            dest = out / "schema" / src.relative_to(REPO / "schema")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    shutil.copyfile(REPO / ".gitignore", out / ".gitignore")  # a team's repository ignores the build and the cache
    folder = out / "records" / "customers"
    folder.mkdir(parents=True)
    (out / "records" / "team.yaml").write_bytes(team_yaml().encode())

    rng = random.Random(seed)
    writer = _Writer(rng)
    ids: list[str] = []
    companies: list[str] = []
    day = date(2021, 1, 4)
    while len(ids) < customers:
        for seq in range(1, min(rng.randint(2, 12), customers - len(ids)) + 1):
            cid = f"C{day:%Y%m%d}{seq:03d}"
            text, is_company = writer.customer(cid, day, ids, companies)
            (folder / f"{cid}.yaml").write_bytes(text.encode())
            ids.append(cid)
            if is_company:
                companies.append(cid)
        day += timedelta(days=1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder to create (must not exist or be empty)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        generate(args.out, args.customers, args.seed)
    except FileExistsError as error:
        print(f"generate: {error}", file=sys.stderr)
        return 2
    print(f"{args.customers} customers in {args.out} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
