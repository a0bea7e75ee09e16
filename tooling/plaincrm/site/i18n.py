"""The site's own words in English and Chinese (field and option labels come from schema/)."""

from __future__ import annotations

import re

TEXT: dict[str, tuple[str, str]] = {
    "home": ("Home", "首页"),
    "customers": ("Customers", "客户"),
    "customer_index": ("Customer index", "客户总表"),
    "segments": ("Segments", "客户分组"),
    "owners": ("Owners", "跟进人"),
    "new_customer": ("New customer", "新建客户"),
    "edit_record": ("Edit this record", "编辑此记录"),
    "log_interaction": ("Log an interaction", "记录一次互动"),
    "log_hint": ("Add an entry like this under interactions:", "在 interactions 下添加一条这样的记录："),
    "total": ("Total", "合计"),
    "count": ("Count", "数量"),
    "customers_total": ("customers", "位客户"),
    "by_cooperation": ("By cooperation status", "按合作状态"),
    "by_tier": ("By maintenance tier", "按维护分层"),
    "due_this_week": ("Follow-ups due this week", "本周待跟进"),
    "overdue": ("Overdue follow-ups", "逾期未跟进"),
    "newest": ("Newest customers", "最新客户"),
    "none": ("None.", "无。"),
    "name": ("Name", "名称"),
    "id": ("Id", "编号"),
    "tier": ("Maintenance tier", "维护分层"),
    "freshness": ("Freshness", "跟进状态"),
    "last_contact": ("Last contact", "最近联系"),
    "days_since_contact": ("Days since last contact", "距上次联系天数"),
    "never": ("never", "从未"),
    "days": ("days", "天"),
    "due": ("Due", "截止日期"),
    "action": ("Next step", "下一步"),
    "customer": ("Customer", "客户"),
    "by": ("By", "负责人"),
    "profile": ("Profile", "基本信息"),
    "relations": ("Relations", "关联客户"),
    "referred_by": ("Referred by", "推荐人"),
    "referred": ("Referred", "推荐的客户"),
    "head_office": ("Head office", "上级公司"),
    "branches": ("Branches", "下属公司"),
    "order_total": ("Order total", "订单合计"),
    "upcoming_dates": ("Key dates in the next 30 days", "未来30天的关键节点"),
    "their_customers": ("Customers", "负责的客户"),
    "filter": ("Filter by name or contact…", "按名称或联系人筛选…"),
    "download_csv": ("Download this view as CSV", "下载当前视图（CSV）"),
    "clear_filters": ("Clear filters", "清除筛选"),
    "showing": ("Showing", "显示"),
    "of": ("of", "/"),
    "show_more": ("Show more", "显示更多"),
    "needs_js": ("The interactive index needs JavaScript; the segment pages list every customer without it.",
                 "交互式总表需要 JavaScript；客户分组页面无需脚本即可查看全部客户。"),
    "reasons": ("Why", "原因"),
    "open_complaint": ("open complaint", "存在未解决投诉"),
    "low_satisfaction": ("low satisfaction", "满意度低"),
    "contact_dropping": ("contact dropping", "联系减少"),
    "falling_orders": ("falling orders", "订单下降"),
    "high_value": ("high value", "高价值"),
    "engaged": ("engaged", "互动积极"),
    "new_or_potential": ("new or potential, recently contacted", "新客户或潜在客户且近期有联系"),
    "quoted_upsell": ("renewal or upsell quoted", "已报价续约/增购"),
    "intent_tag": ("intent tag", "意向标签"),
    "segment_field.cooperation": ("Cooperation status", "合作状态"),
    "segment_field.category": ("Category", "客户分类"),
    "segment_field.source": ("Source", "客户来源"),
    "segment_field.industry": ("Industry", "所属行业"),
    "segment_field.owner": ("Owner", "跟进人"),
    "segment_field.tags": ("Tag", "客户标签"),
    "segment_field.tier": ("Maintenance tier", "维护分层"),
    "generated_on": ("Figures as of", "数据截至"),
    "follow_up": ("Follow-up", "跟进回访"),
    "reports": ("Reports", "分析报表"),
    "merged_into": ("was merged into", "已合并至"),
    "as_of": ("Records as of", "记录截至"),
    "history": ("History", "变更记录"),
    "changes": ("Recent changes", "最近变更"),
    "changes_feed": ("Atom feed of these changes", "变更订阅（Atom）"),
    "more_listed": ("Not listed here:", "此处未列出："),
    "more_rows": ("Rows not shown here (all are in the downloads):", "此处未显示的行数（下载文件中包含全部）："),
    "report.distribution": ("Customers by segment", "客户构成"),
    "report.interactions": ("Interaction frequency", "互动频率"),
    "report.complaints": ("Complaints", "投诉分析"),
    "report.renewals": ("Renewals", "续约分析"),
    "report.high_value": ("High-value customers", "高价值客户"),
    "report.satisfaction": ("Satisfaction", "满意度"),
    "report.follow_up": ("Follow-up health", "跟进情况"),
    "report.data_quality": ("Data quality", "数据质量"),
    "table.source": ("By source", "按客户来源"), "table.industry": ("By industry", "按行业"),
    "table.category": ("By category", "按客户分类"), "table.cooperation": ("By cooperation status", "按合作状态"),
    "table.owner": ("By owner", "按跟进人"), "table.tier": ("By maintenance tier", "按维护分层"),
    "table.per_month": ("Per month (last 18 months)", "按月（近18个月）"), "table.per_channel": ("Per channel", "按沟通方式"),
    "table.per_person": ("Per team member", "按团队成员"),
    "table.rate_per_quarter": ("Complaint rate per quarter", "各季度投诉率"), "table.resolution": ("Time to resolve", "解决用时"),
    "table.open": ("Open complaints", "未解决投诉"), "table.rate": ("Renewal rate (last 12 months)", "续约率（近12个月）"),
    "table.due": ("Renewals due", "到期续约"), "table.top": ("Top 20% by order amount", "订单金额前20%"),
    "table.pareto": ("Pareto curve", "帕累托曲线"), "table.lifetime_value": ("Lifetime value", "客户终身价值"),
    "table.distribution": ("Latest satisfaction", "最新满意度"), "table.trend": ("Average per quarter", "各季度平均"),
    "table.low": ("Customers at 1-2", "满意度1-2分的客户"),
    "table.idle_by_owner": ("Not contacted for 30 days, by owner", "30天未联系（按跟进人）"),
    "table.idle": ("Not contacted for 30 days", "30天未联系"), "table.idle_potential": ("Potential customers idle for 90 days", "90天未跟进的潜在客户"),
    "table.overdue_next_steps": ("Overdue next steps", "逾期的下一步"),
    "table.missing": ("Missing recommended fields", "缺少建议字段"), "table.duplicates": ("Suspected duplicates", "疑似重复"),
    "follow_ups_due": ("Follow-ups due within a week (by tier cadence)", "一周内到期的跟进（按分层频率）"),
    "calendar": ("Calendar feed (.ics)", "日历订阅（.ics）"),
    "team_calendar": ("Team calendar (.ics)", "团队日历（.ics）"),
}


# Report column headers: the English is the header itself.
_COLUMNS_ZH = {
    "value": "值", "label": "名称", "customers": "客户数", "share": "占比", "month": "月份", "interactions": "互动次数",
    "channel": "沟通方式", "handle": "成员", "quarter": "季度", "customers with a complaint": "有投诉的客户",
    "rate": "比率", "resolved complaints": "已解决投诉", "average days to resolve": "平均解决天数", "id": "编号",
    "name": "名称", "opened": "提出日期", "days open": "未解决天数", "summary": "描述", "renewals due": "到期续约数",
    "renewed": "已续约", "renewal due": "续约到期日", "top customers": "头部客户数", "their revenue": "其收入",
    "total revenue": "总收入", "revenue share": "收入占比", "rank": "排名", "share of customers": "客户占比",
    "cumulative share of revenue": "累计收入占比", "order total": "订单合计", "orders": "订单数", "average order": "平均订单",
    "tenure (days)": "合作天数", "score": "评分", "ratings": "评分次数", "average": "平均", "owner": "跟进人",
    "customers not contacted for 30 days": "30天未联系客户数", "days since contact": "距上次联系天数", "due": "截止日期",
    "action": "下一步", "missing": "缺少", "reason": "原因", "ids": "编号", "names": "名称",
}
TEXT.update({f"col.{en}": (en, zh) for en, zh in _COLUMNS_ZH.items()})


def text(key: str, lang: str, default: str | None = None) -> str:
    pair = TEXT.get(key)
    if pair is None:
        return default if default is not None else key
    return pair[1] if lang == "zh" else pair[0]


# --- right-to-left text -----------------------------------------------------------------------
# A record's text may carry bidi controls (UAX #9): an override (U+202E) reverses what follows it
# until it is closed, which a name could use to make the text after it read backwards. Record text
# is isolated wherever it shares a line with other text (<bdi> in HTML, FSI…PDI in plain text), and
# its own controls are balanced so that nothing it opens stays open and nothing it closes is not
# its own: a stray PDI would otherwise end the isolate around it.
_OPENERS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c",
            "\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"}
BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_balanced(value: str) -> str:
    """The text with every embedding, override and isolate it opens closed at its end, and every
    closer without its opener dropped (the matching rules of UAX #9, X6a and X7)."""
    if BIDI_CONTROL.search(value) is None:
        return value  # nearly every text: nothing to do
    out: list[str] = []
    open_: list[str] = []  # the openers in force, innermost last
    isolates = 0  # how many of them are isolates (a count, so that a long text stays linear)
    for char in value:
        if char in _OPENERS:
            open_.append(char)
            isolates += _OPENERS[char] == "\u2069"
        elif char == "\u202c":  # PDF: closes an embedding or override, never an isolate
            if not open_ or _OPENERS[open_[-1]] != "\u202c":
                continue
            open_.pop()
        elif char == "\u2069":  # PDI: closes the innermost isolate and whatever is open inside it
            if not isolates:
                continue
            while _OPENERS[open_.pop()] != "\u2069":
                pass
            isolates -= 1
        out.append(char)
    out.extend(_OPENERS[o] for o in reversed(open_))
    return "".join(out)


_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\u061c\u200f\u202a-\u202e\u2066-\u2069]")


def isolated(value: str) -> str:
    """Plain text (a title, a feed entry) isolated from the text around it: FSI, the balanced text,
    PDI; only where it holds right-to-left letters or bidi controls, so that an ordinary name is
    copied from a feed reader without invisible characters."""
    return "\u2068" + bidi_balanced(value) + "\u2069" if _RIGHT_TO_LEFT.search(value) else value
