"""The site's own words in English and Chinese (field and option labels come from schema/)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "home": ("Home", "首页"),
    "customers": ("Customers", "客户"),
    "customer_index": ("Customer index", "客户总表"),
    "segments": ("Segments", "客户分组"),
    "owners": ("Owners", "跟进人"),
    "new_customer": ("New customer", "新建客户"),
    "edit_record": ("Edit this record", "编辑此记录"),
    "log_interaction": ("Log an interaction", "记录一次互动"),
    "log_hint": ("Add an entry like this to the record's list", "在记录的以下列表中添加一条这样的记录："),
    "total": ("Total", "合计"),
    "case_records": ("Service records", "服务记录"),
    "case_handler": ("Handler", "处理人"),
    "case_place": ("Place", "服务地点"),
    "case_participants": ("Participants", "参与人员"),
    "case_result": ("Result", "结果"),
    "count": ("Count", "数量"),
    "customers_total": ("customers", "位客户"),
    "by_cooperation": ("By cooperation status", "按合作状态"),
    "by_tier": ("By maintenance tier", "按维护分层"),
    "due_this_week": ("Follow-ups due this week", "本周待跟进"),
    "overdue": ("Overdue follow-ups", "逾期未跟进"),
    "newest": ("Newest customers", "最新客户"),
    "none": ("None.", "无。"),
    "another_team_customer": ("another team's customer", "其他团队的客户"),
    "aggregates_only": (
        "Figures for the whole team; no customer is named here.",
        "以下为全团队的统计数字，不列出具体客户。",
    ),
    "no_reports": ("This site has no reports.", "本站点不提供分析报表。"),
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
    "filters": ("Filters", "筛选条件"),
    "columns": ("Columns", "显示列"),
    "view_link": ("Link to this view", "当前视图链接"),
    "my_customers": ("My customers", "我的客户"),
    "remember_mine": ("Remember the chosen owners as my customers", "将所选跟进人记为“我的客户”"),
    "no_match": ("No customer matches this view.", "没有符合当前条件的客户。"),
    "not_in_records": ("Not in the records (an old link?):", "记录中不存在（可能是旧链接）："),
    "needs_js": (
        "The interactive index needs JavaScript; without it, segment pages show each segment's most urgent customers.",
        "交互式总表需要 JavaScript；无脚本时，客户分组页面列出各组最需跟进的客户。",
    ),
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
    "timeline": ("Timeline", "客户时间线"),
    "timeline_all": ("All", "全部"),
    "timeline_show": ("Show in the timeline", "时间线显示"),
    "timeline_upcoming": ("Upcoming", "即将到来"),
    "timeline_past": ("Past", "已发生"),
    "timeline.interaction": ("Interaction", "互动记录"),
    "timeline.order": ("Order", "订单"),
    "timeline.key_date": ("Key date", "关键节点"),
    "timeline.change": ("Record change", "记录变更"),
    "timeline.case_opened": ("Service case opened", "服务工单提出"),
    "timeline.case_resolved": ("Service case resolved", "服务工单解决"),
    "last_changed": ("Last changed by {name} on {date}", "最近由 {name} 于 {date} 修改"),
    "changes": ("Recent changes", "最近变更"),
    "guide": ("Guide", "使用指南"),
    "admin_guide": ("Admin guide", "管理员指南"),
    "changes_feed": ("Atom feed of these changes", "变更订阅（Atom）"),
    "more_listed": ("Not listed here:", "此处未列出："),
    "more_rows": ("Rows not shown here (all are in the downloads):", "此处未显示的行数（下载文件中包含全部）："),
    "more_in_cell": ("… {n} more (all are in the downloads)", "……另有 {n} 个（下载文件中包含全部）"),
    "report.distribution": ("Customers by segment", "客户构成"),
    "report.interactions": ("Interaction frequency", "互动频率"),
    "report.complaints": ("Complaints", "投诉分析"),
    "report.renewals": ("Renewals", "续约分析"),
    "report.high_value": ("High-value customers", "高价值客户"),
    "report.satisfaction": ("Satisfaction", "满意度"),
    "report.follow_up": ("Follow-up health", "跟进情况"),
    "report.data_quality": ("Data quality", "数据质量"),
    "table.source": ("By source", "按客户来源"),
    "table.industry": ("By industry", "按行业"),
    "table.category": ("By category", "按客户分类"),
    "table.cooperation": ("By cooperation status", "按合作状态"),
    "table.owner": ("By owner", "按跟进人"),
    "table.tier": ("By maintenance tier", "按维护分层"),
    "table.per_month": ("Per month (last 18 months)", "按月（近18个月）"),
    "table.per_channel": ("Per channel", "按互动方式"),
    "table.per_person": ("Per team member", "按团队成员"),
    "table.rate_per_quarter": ("Complaint rate per quarter", "各季度投诉率"),
    "table.resolution": ("Time to resolve", "解决用时"),
    "table.open": ("Open complaints", "未解决投诉"),
    "table.per_handler": ("Handling time per handler", "各处理人的处理用时"),
    "table.unassigned": ("Complaints without a handler", "未指定处理人的投诉"),
    "table.rate": ("Renewal rate (last 12 months)", "续约率（近12个月）"),
    "table.rate_by_quarter": ("Renewal rate per quarter", "各季度续约率"),
    "table.upcoming": ("Renewals in the next 90 days", "未来90天到期的续约"),
    "table.due": ("Renewals due", "到期续约"),
    "table.top": ("Top 20% by order amount", "订单金额前20%"),
    "table.pareto": ("Pareto curve", "帕累托曲线"),
    "table.lifetime_value": ("Lifetime value", "生命周期价值"),
    "table.distribution": ("Latest satisfaction", "最新满意度"),
    "table.trend": ("Average per quarter", "各季度平均"),
    "table.low": ("Customers at 1-2", "满意度1-2分的客户"),
    "table.idle_by_owner": ("Not contacted for 30 days, by owner", "30天未联系（按跟进人）"),
    "table.idle": ("Not contacted for 30 days", "30天未联系"),
    "table.idle_potential": ("Potential customers idle for 90 days", "90天未跟进的潜在客户"),
    "table.overdue_next_steps": ("Overdue next steps", "逾期的下一步"),
    "table.missing": ("Missing recommended fields", "缺少建议字段"),
    "table.duplicates": ("Suspected duplicates", "疑似重复"),
    "follow_ups_due": ("Follow-ups due within a week (by tier cadence)", "一周内到期的跟进（按分层频率）"),
    "calendar": ("Calendar feed (.ics)", "日历订阅（.ics）"),
    "agenda": ("To do", "待办"),
    "agenda.overdue": ("Overdue follow-ups and next steps", "已逾期的跟进和下一步"),
    "agenda.due": ("Follow-ups and next steps due within a week", "一周内到期的跟进和下一步"),
    "todo": ("To do", "事项"),
    "note": ("Note", "备注"),
    "show_all_index": ("all of them in the customer index", "在客户总表中查看全部"),
    "urgent_first": (
        "The most urgent first: overdue for the tier's follow-up cadence, then the longest without contact.",
        "最需跟进的在前：先列超过分层跟进频率未联系的，再按距上次联系时间由远到近。",
    ),
    "show_all_calendar": ("all of them in the calendar feed", "日历订阅中包含全部"),
    "idle_customers": ("Active customers not contacted for {days} days", "超过 {days} 天未联系的合作中客户"),
    "team_calendar": ("Team calendar (.ics)", "团队日历（.ics）"),
    # crm remind
    "remind.follow_up": ("follow-up, {tier}", "跟进回访，{tier}"),
    "remind.overdue": ("OVERDUE", "已逾期"),
    "remind.nothing": ("nothing due", "没有到期事项"),
    # crm remind-issues: one issue per owner on the git host (Markdown: these words are trusted, record text is not)
    "notify.title": ("Follow-ups due: {handle}", "跟进提醒：{handle}"),
    "notify.label": ("plaincrm: each owner's follow-ups due", "plaincrm：各跟进人的到期事项"),
    "notify.intro": (
        "Reminders for {name} from the customer records. This issue is updated every morning, "
        "edited in place, and closed when nothing is due.",
        "{name} 的跟进提醒，来自客户记录。本 Issue 每天早上原地更新，没有到期事项时自动关闭。",
    ),
    "notify.nothing": (
        "Nothing is due. This issue reopens when something is.",
        "目前没有到期事项；有新的事项时本 Issue 会重新打开。",
    ),
    "notify.overdue": ("Overdue ({n})", "已逾期（{n}）"),
    "notify.due": ("Due within a week ({n})", "一周内到期（{n}）"),
    "notify.dates": ("Key dates in the next 30 days ({n})", "未来30天的关键节点（{n}）"),
    "notify.more": ("… and {n} more, the most urgent listed first", "……另有 {n} 项（以上按紧急程度排列）"),
    "notify.owner_page": ("All of them on your page", "全部事项见个人页面"),
    "notify.calendar": ("calendar feed (.ics)", "日历订阅（.ics）"),
    "notify.hint": (
        "Done? Record it (`crm step done ID`, `crm log ID …` or the issue form *Log an interaction*); "
        "this list follows the records the next morning.",
        "已完成？请记录下来（`crm step done 编号`、`crm log 编号 …` 或 Issue 表单「记录互动」），"
        "本列表次日早上随记录更新。",
    ),
    "notify.news": (
        "New since the last update: {overdue} overdue, {due} due within a week, {dates} key dates.",
        "自上次更新以来新增：逾期 {overdue} 项，一周内到期 {due} 项，关键节点 {dates} 项。",
    ),
    "notify.create": ("create an issue for {handle}, assigned to {login}", "为 {handle} 新建 Issue，指派给 {login}"),
    "notify.update": ("update #{number} for {handle}", "更新 {handle} 的 #{number}"),
    "notify.reopen": ("reopen #{number} for {handle}", "重新打开 {handle} 的 #{number}"),
    "notify.assign": ("assign #{number} to {login}", "将 #{number} 指派给 {login}"),
    "notify.comment": ("comment on #{number}: {news} new", "在 #{number} 下评论：新增 {news} 项"),
    "notify.close": ("close #{number} ({handle}: nothing due)", "关闭 #{number}（{handle}：没有到期事项）"),
    "notify.keep": ("#{number} for {handle} is up to date", "{handle} 的 #{number} 已是最新"),
    "notify.would": ("would ", "将"),
    "notify.no_login": (
        "no git host login in the team file for {handles}: no issue for them (crm remind --owner HANDLE)",
        "团队文件中没有 {handles} 的代码托管账号：不为其建 Issue（可用 crm remind --owner 账号 查看）",
    ),
    "notify.bad_handle": (
        "handle {handle} cannot name an issue (letters, digits, . _ - only): no issue",
        "账号 {handle} 不能用于标记 Issue（只能包含字母、数字和 . _ -）：不为其建 Issue",
    ),
    "notify.no_gh": (
        "the gh command is not installed or not on PATH (https://cli.github.com)",
        "未安装 gh 命令或不在 PATH 中（https://cli.github.com）",
    ),
    "notify.gh_failed": ("gh {command} failed: {error}", "gh {command} 失败：{error}"),
    "notify.gh_unreadable": (
        "gh issue list answered what is not a list of issues: {error}",
        "gh issue list 的输出不是 Issue 列表：{error}",
    ),
    "notify.bad_site_url": (
        "--site-url must be an http(s) address without spaces, quotes or brackets: {url}",
        "--site-url 必须是不含空格、引号或括号的 http(s) 地址：{url}",
    ),
    "notify.failed": ("{n} action(s) failed", "{n} 项操作失败"),
    "notify.summary": ("{changed} issue(s) changed, {kept} up to date", "变更 {changed} 个 Issue，{kept} 个已是最新"),
    # crm history
    "history.none": ("no history for {id}", "{id} 没有变更记录"),
    "history.no_record": ("no record {id}", "没有客户 {id}"),
    # crm diff
    "diff.title": ("Changes from {base} to {head}:", "从 {base} 到 {head} 的变更："),
    "diff.from_to": ("From {base} to {head}.", "从 {base} 到 {head}。"),
    "diff.nothing": ("no record changed", "没有记录变更"),
    "diff.heading": ("### Customer records: {summary}", "### 客户记录：{summary}"),
    "diff.count": ("{n} {kind}", "{kind} {n} 条"),
    "diff.added": ("added", "新增"),
    "diff.removed": ("removed", "删除"),
    "diff.changed": ("changed", "修改"),
    "diff.merged": ("merged", "合并"),
    "diff.renamed": ("renamed", "重命名"),
    "diff.id-changed": ("id-changed", "编号变更"),
    "diff.renamed_to": ("renamed {old} → {new}", "重命名 {old} → {new}"),
    "diff.effects": ("Effects", "影响"),
    "diff.errors": ("Errors", "错误"),
    "diff.error": ("error", "错误"),
    "diff.note": ("note", "注意"),
    "diff.id_changed": (
        "{path}: the id changed from {old} to {new}; ids are stable "
        "(rename a customer with its name field; merge duplicates with crm merge)",
        "{path}：编号从 {old} 改成了 {new}；客户编号不可更改（改名请修改 name 字段，合并重复客户请用 crm merge）",
    ),
    "diff.moves": ("moves {id} from {old} to {new}", "{id} 从「{old}」变为「{new}」"),
    "diff.overdue_one": ("1 follow-up becomes overdue", "1 项跟进变为逾期"),
    "diff.overdue_many": ("{n} follow-ups become overdue", "{n} 项跟进变为逾期"),
    "diff.cleared_one": ("1 overdue follow-up cleared", "1 项逾期跟进已消除"),
    "diff.cleared_many": ("{n} overdue follow-ups cleared", "{n} 项逾期跟进已消除"),
    "diff.invalid": (
        "{side} has {n} validation problem(s) under today's schema (fields its records lack or have extra, "
        "or errors): derived effects not computed",
        "{side} 按当前的 schema 校验有 {n} 个问题（记录缺少或多出字段，或有错误）：未计算派生影响",
    ),
    "diff.more": ("… and {n} more (crm validate)", "……另有 {n} 个（见 crm validate）"),
    "diff.working_tree": ("the working tree", "工作区"),
    "diff.merge_base": ("merge base {sha}", "合并基点 {sha}"),
    "search_customers": ("Customers: {n} match", "客户：{n} 位符合"),  # above the header search's page results
    "search_first": ("the first {n} listed", "列出前 {n} 位"),
    "search_box": ("Search customers", "搜索客户"),  # plaincrm's own box, where the engine has no search box
    "search_none": ("No customer matches", "没有符合的客户"),
}


# Report column headers: the English is the header itself.
_COLUMNS_ZH = {
    "source": "客户来源",
    "industry": "所属行业",
    "category": "客户类型",
    "cooperation": "合作状态",
    "tier": "维护分层",
    "customers": "客户数",
    "share": "占比",
    "month": "月份",
    "interactions": "互动次数",
    "channel": "互动方式",
    "team member": "团队成员",
    "quarter": "季度",
    "customers with a complaint": "有投诉的客户",
    "rate": "比率",
    "resolved complaints": "已解决投诉",
    "average days to resolve": "平均解决天数",
    "id": "编号",
    "name": "名称",
    "opened": "提出日期",
    "days open": "未解决天数",
    "handler": "处理人",
    "complaints handled": "处理投诉数",
    "resolved": "已解决",
    "still open": "仍未解决",
    "summary": "描述",
    "renewals due": "到期续约数",
    "renewed": "已续约",
    "renewal due": "续约到期日",
    "days left": "剩余天数",
    "quoted": "已报价金额",
    "top customers": "头部客户数",
    "their revenue": "其收入",
    "total revenue": "总收入",
    "revenue share": "收入占比",
    "rank": "排名",
    "share of customers": "客户占比",
    "cumulative share of revenue": "累计收入占比",
    "order total": "订单合计",
    "orders": "订单数",
    "average order": "平均订单",
    "tenure (days)": "合作天数",
    "score": "评分",
    "ratings": "评分次数",
    "average": "平均",
    "owner": "跟进人",
    "customers not contacted for 30 days": "30天未联系客户数",
    "days since contact": "距上次联系天数",
    "due": "截止日期",
    "action": "下一步",
    "missing": "缺少",
    "reason": "原因",
    "ids": "编号",
    "names": "名称",
}
TEXT.update({f"col.{en}": (en, zh) for en, zh in _COLUMNS_ZH.items()})

# Words the reports' cells carry (a missing field, a reason for a suspected duplicate): the English is the word.
_WORDS_ZH = {
    "contacts": "联系人",
    "phone or e-mail": "联系方式",
    "needs": "核心需求",
    "industry": "所属行业",
    "source": "客户来源",
    "first contact date": "首次接触日期",
    "same name": "名称相同",
    "same phone": "电话相同",
    "same e-mail": "邮箱相同",
    "unassigned": "未指定处理人",
}
TEXT.update({f"word.{en}": (en, zh) for en, zh in _WORDS_ZH.items()})

# The sales funnel (funnel.py): its segments, report, tables, columns and notes.
TEXT.update(
    {
        "segment_field.stage": ("Follow-up stage", "跟进阶段"),
        "segment_field.intent": ("Intent to buy", "成交意向度"),
        "report.funnel": ("Sales funnel", "销售漏斗"),
        "table.stages": ("Customers per stage", "各阶段客户数"),
        "table.conversion": (
            "Conversion and time in stage (last 12 months)",
            "阶段转化率与停留天数（近12个月）",
        ),
        "table.history": ("Why only the counts", "为何只有客户数"),
        "col.stage": ("stage", "跟进阶段"),
        "col.customers in the stage": ("customers in the stage", "处于该阶段的客户数"),
        "col.reached a later stage": ("reached a later stage", "进入后续阶段的客户数"),
        "col.conversion": ("conversion", "转化率"),
        "col.stays ended": ("stays ended", "已结束的停留次数"),
        "col.median days in stage": ("median days in stage", "停留天数中位数"),
        "col.note": ("note", "说明"),
        "word.Not a git repository: no dates of stage changes, so only the counts.": (
            "Not a git repository: no dates of stage changes, so only the counts.",
            "不在版本库中：没有阶段变更的日期，因此只显示客户数。",
        ),
        "word.No commits yet: no dates of stage changes, so only the counts.": (
            "No commits yet: no dates of stage changes, so only the counts.",
            "版本库尚无提交：没有阶段变更的日期，因此只显示客户数。",
        ),
        "word.A shallow clone: the history is partial (fetch with fetch-depth: 0), so only the counts.": (
            "A shallow clone: the history is partial (fetch with fetch-depth: 0), so only the counts.",
            "浅克隆：变更记录不完整（请获取完整历史），因此只显示客户数。",
        ),
        "word.These records have no git history (not committed yet, or read as of a revision): only the counts.": (
            "These records have no git history (not committed yet, or read as of a revision): only the counts.",
            "这些记录没有版本变更记录（尚未提交，或按某个版本读取）：只显示客户数。",
        ),
        "word.The git history could not be read: only the counts.": (
            "The git history could not be read: only the counts.",
            "无法读取版本变更记录：只显示客户数。",
        ),
        "first_cooperation": ("First cooperation", "首次合作时间"),
        "latest_cooperation": ("Latest cooperation", "最近合作时间"),
        "order_total_counted": (
            "Order total (signed, paid and delivered orders)",
            "订单合计（已签约、已付款、已交付）",
        ),
        "quoted_total": ("Quoted, not yet signed", "已报价未签约"),
    }
)


# The command line's own words (`cli.*`: what a write command says beside its problems; `import.*`:
# `crm import`'s report, which is not a problem and so not in `messages`).
TEXT.update(
    {
        "cli.nothing": ("nothing written", "未写入任何内容"),
        "cli.dry": ("dry run: nothing written", "试运行：未写入任何内容"),
        "cli.required": ("required", "必填"),
        "cli.choose": ("please choose one of the values listed", "请从所列选项中选择"),
        "cli.not_date": ("not a date (YYYY-MM-DD)", "不是日期（YYYY-MM-DD）"),
        "cli.needs": (
            "{what} is required (or run it in a terminal to be asked)",
            "缺少 {what}（或在终端中运行以逐项询问）",
        ),
        "cli.not_number": ("not a number", "不是数字"),
        "import.refused": ("crm import: {reason}", "crm import：{reason}"),
        "import.head": ("crm import: {file} with the mapping {mapping}", "crm import：{file}，使用映射 {mapping}"),
        "import.dry": (" (dry run: nothing written)", "（试运行：未写入任何内容）"),
        "import.labelled": ("  columns read as the one field their header names: ", "  按表头所指字段读取的列："),
        "import.unknown": (
            "  columns the mapping does not know (their values were added to the notes): ",
            "  映射中没有的列（其内容已加入备注）：",
        ),
        "import.masked": (
            "  {count} phone numbers or e-mail addresses in those notes were masked; map their column "
            "to contact.phone or contact.email to keep them whole (crm import FILE --plan)",
            "  备注中有 {count} 个电话号码或电子邮箱已打码；如需完整保留，请把所在列映射到 contact.phone 或 "
            "contact.email（crm import FILE --plan）",
        ),
        "import.external": (
            "  {count} ids from another system kept as external ids (matched on the next import): ",
            "  {count} 个其他系统的编号已作为外部编号保留（下次导入时用于匹配）：",
        ),
        "import.fallback": (
            "  {count} rows name an owner nobody in the team matches; --owner {owner} "
            "stands in and the text is kept in the notes: ",
            "  {count} 行的跟进人不是团队成员；改由 --owner {owner} 跟进，原文保留在备注中：",
        ),
        "import.fallback-row": ("row {row} {text}", "第 {row} 行 {text}"),
        "import.counts": (
            "  {verb}created {created}, {verb}updated {updated}, unchanged {unchanged}, rejected {rejected}",
            "  {verb}新建 {created}，{verb}更新 {updated}，未变 {unchanged}，拒绝 {rejected}",
        ),
        "import.would": ("would be ", "将"),
        "import.row": ("  row {row}: {reason}", "  第 {row} 行：{reason}"),
        "import.more": ("  … and {count} more rows", "  ……另有 {count} 行"),
        "import.rejects": ("  rejected rows, with the reason, in {file}", "  被拒绝的行及原因已写入 {file}"),
        # crm import --plan
        "import.plan-head": (
            "crm import --plan: {file}, {rows} rows, {base}; {ready} rows read without a question",
            "crm import --plan：{file}，共 {rows} 行，{base}；{ready} 行无需确认即可读取",
        ),
        "import.plan-no-mapping": ("no shipped mapping", "没有合适的内置映射"),
        "import.plan-mapping": ("the mapping {name}", "使用映射 {name}"),
        "import.plan-column": (
            "  column {column} ({count} rows): {mark}{suggestion} — {why}",
            "  列 {column}（{count} 行）：{mark}{suggestion} — {why}",
        ),
        "import.plan-suggested": ("suggested ", "建议 "),
        "import.plan-value": (
            "  {column} = {text} ({count} rows: {rows}): {answer} — {why}",
            "  {column} = {text}（{count} 行：{rows}）：{answer} — {why}",
        ),
        "import.plan-undecided": ("undecided", "未决定"),
        "import.plan-more": ("  … and {count} more rows with problems", "  ……另有 {count} 行有问题"),
        "import.plan-draft": (
            "  mapping draft: {draft}; check it, set reviewed: true, then: crm import {source} --mapping {draft}",
            "  映射草稿：{draft}；请核对后写上 reviewed: true，再运行：crm import {source} --mapping {draft}",
        ),
    }
)


# This period against the previous one (comparison.py): the headline figures, how a change reads, the
# period summary (field guide A's 总结性洞察).
TEXT.update(
    {
        "compare.title.quarter": (
            "Compared with the previous quarter ({previous}, the records as of {day})",
            "与上季度相比（{previous}，截至{day}的记录）",
        ),
        "compare.title.month": (
            "Compared with the previous month ({previous}, the records as of {day})",
            "与上月相比（{previous}，截至{day}的记录）",
        ),
        "compare.summary": ("Period summary", "本期总结"),
        "compare.summary_lead.quarter": (
            "Notable changes of this quarter ({current} so far) against the same point of {previous}, as the "
            "records stood on {day}.",
            "本季度（{current}，截至今日）与 {previous} 同期（截至{day}的记录）相比的显著变化。",
        ),
        "compare.summary_lead.month": (
            "Notable changes of this month ({current} so far) against the same point of {previous}, as the "
            "records stood on {day}.",
            "本月（{current}，截至今日）与 {previous} 同期（截至{day}的记录）相比的显著变化。",
        ),
        "compare.no_notable": ("No notable change.", "没有显著变化。"),
        "compare.rule": (
            "Notable: a share that moved by {points} percentage points or more, a count by {percent}% and at "
            "least {least}, an amount or the days to resolve by {percent}%, any new complaint, more overdue "
            "next steps.",
            "显著变化：占比变动 {points} 个百分点及以上，数量变动 {percent}% 且至少 {least} 个，金额或解决天数变动 "
            "{percent}%，任何新增投诉，逾期的下一步增加。",
        ),
        "compare.no_history": (
            "No earlier records to compare with: the records have no git history.",
            "没有更早的记录可供比较：这些记录没有版本历史。",
        ),
        "compare.no_commit": (
            "No earlier records to compare with: no commit on or before {day}.",
            "没有更早的记录可供比较：{day}及之前没有提交。",
        ),
        "compare.invalid": (
            "No comparison: the records as of {day} (commit {sha}) have {n} problems under today's schema.",
            "无法比较：{day}的记录（提交 {sha}）按当前的模型有 {n} 个问题。",
        ),
        "compare.up": ("{label} from {old} to {new}", "{label} 从 {old} 升至 {new}"),
        "compare.down": ("{label} from {old} to {new}", "{label} 从 {old} 降至 {new}"),
        "compare.same": ("{label} unchanged at {new}", "{label} 保持 {new}"),
        "compare.new": ("{label}: {new} (none before)", "{label}：{new}（此前无）"),
        "compare.gone": ("{label}: none now (was {old})", "{label}：现无（此前 {old}）"),
        "compare.days": ("{n} days", "{n} 天"),
        "compare.m.revenue_share": ("High-value customers' share of revenue", "高价值客户占比"),
        "compare.m.total_revenue": ("Total revenue", "总收入"),
        "compare.m.complaint_rate": ("Complaint rate this quarter", "本季度投诉率"),
        "compare.m.complained": ("Customers with a complaint this quarter", "本季度有投诉的客户"),
        "compare.m.resolve_days": ("Average days to resolve a complaint", "投诉平均解决天数"),
        "compare.m.open": ("Open complaints", "未解决投诉"),
        "compare.m.interactions_quarter": ("Interactions this quarter", "本季度互动次数"),
        "compare.m.interactions_month": ("Interactions this month", "本月互动次数"),
        "compare.m.customers": ("Customers", "客户总数"),
        "compare.m.category": ("Customers: {label}", "{label}数"),
        "compare.m.idle": ("Customers not contacted for {idle} days", "{idle}天未联系客户数"),
        "compare.m.overdue": ("Overdue next steps", "逾期的下一步"),
        "compare.m.satisfaction": ("Average satisfaction", "平均满意度"),
        "compare.m.renewal_rate": ("Renewal rate (last 12 months)", "续约率（近12个月）"),
        "compare.m.renewals_upcoming": ("Renewals due in the next {days} days", "未来{days}天到期的续约"),
        "compare.m.stage": ("Customers in stage {label}", "处于「{label}」阶段的客户数"),
        "compare.m.conversion": ("Conversion from stage {label}", "「{label}」阶段转化率"),
    }
)

# A report's PDF (site/pdf.py): its cover.
TEXT.update(
    {
        "pdf.period": ("Period covered", "统计期间"),
        "pdf.to": (" to ", "至"),
        "pdf.up_to": ("everything up to ", "截至"),
        "pdf.generated": ("Generated on", "生成日期"),
    }
)


def text(key: str, lang: str, default: str | None = None) -> str:
    pair = TEXT.get(key)
    if pair is None:
        return default if default is not None else key
    return pair[1] if lang == "zh" else pair[0]
