"""Every problem's words, in English and Chinese: one table of templates, key -> (en, zh).

A check makes a problem with a key and its fields (`said`), never with a sentence; the sentence is
made when the problem is shown, in the reader's language (`Problem.text`). So the validation cache
stays the same for both languages (a cached problem is a key and fields) and no check needs to know
who reads it. The fields are text: a value quoted from a record is kept as written (`repr`), and a
field or option named in a message comes with its Chinese label (`label`, `allowed_zh` …), found
when the problem is made, where the schema is at hand. The Chinese words are the field guides'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

LANGUAGES = ("en", "zh")

AT_MOST = (
    "a file may be at most {max} bytes (max_file_bytes in schema/settings.yaml)",
    "单个文件最多 {max} 字节（见 schema/settings.yaml 中的 max_file_bytes）",
)

MESSAGES: dict[str, tuple[str, str]] = {
    # --- writing (write.actions): why a change was refused ---
    "write.next-step": (
        "a next step needs its due date, and a due date its next step",
        "下一步计划与截止日期须同时填写",
    ),
    "write.no-such-number": (
        "there is no open {noun} number {which} ({count} open)",
        "没有第 {which} 个未完成的{noun_zh}（共 {count} 个）",
    ),
    "write.none-open": ("{record} has no open {noun}", "{record} 没有未完成的{noun_zh}"),
    "write.several-open": (
        "{record} has {count} open: {listed}; say which by its number",
        "{record} 有 {count} 个未完成的{noun_zh}：{listed}；请用序号指明是哪一个",
    ),
    "write.appeared": (
        "{file} appeared meanwhile; nothing written, try again",
        "{file} 在此期间已被创建；未写入任何内容，请重试",
    ),
    "write.changed": (
        "{file} changed while it was being edited; nothing written",
        "{file} 在编辑期间被修改；未写入任何内容",
    ),
    "write.appeared-batch": ("{record} appeared meanwhile; not written", "{record} 在此期间已被创建；未写入"),
    "write.changed-batch": ("{record} changed meanwhile; not written", "{record} 在此期间被修改；未写入"),
    "write.no-list": (
        "the schema has no '{section}' list (schema/customer.py)",
        "模型中没有「{section}」列表（schema/customer.py）",
    ),
    "write.already": ("{record} already has this {noun}", "{record} 已有此{noun_zh}"),
    "write.new-needs": ("a new customer needs its {field}", "新客户须填写「{label}」（{field}）"),
    "write.kind": ("kind {kind} is not one of {kinds}", "客户类型 {kind} 不是可选值之一：{kinds}"),
    "write.resolve-status": (
        "a case is resolved with status resolved or closed",
        "解决工单时状态须为 resolved（已解决）或 closed（已关闭）",
    ),
    "write.step-result": (
        "a step's result needs the step itself (what was done)",
        "填写服务记录的结果时须同时填写内容",
    ),
    "write.unknown-handle": (
        "{option}: {value} is not a member of the team ({team_file}); members: {members}",
        "{option}：{value} 不是团队成员（{team_file}）；可选成员：{members}",
    ),
    "write.id": ("the id never changes; a customer is renamed by its name", "客户编号不能修改；更名请修改客户名称"),
    # --- reading the file (loading) ---
    "file.symlink": (
        "the file is a symbolic link (to {target}); records are plain files, not links",
        "这是一个符号链接（指向 {target}）；客户记录必须是普通文件，不能是链接",
    ),
    "file.not-regular": (
        "this is {kind}, not a file; plaincrm reads only plain files",
        "这是{kind_zh}，不是文件；plaincrm 只读取普通文件",
    ),
    "file.read": ("cannot read the file: {error}", "无法读取文件：{error}"),
    "file.changed": (
        "the file was replaced while it was being read; run the command again",
        "读取过程中文件被替换了；请重新运行命令",
    ),
    "file.outside": (
        "the file lies outside the repository (through a linked folder); keep records in it",
        "文件位于仓库之外（经由链接的文件夹）；客户记录必须放在仓库里",
    ),
    "file.too-large": ("the file is {size} bytes; " + AT_MOST[0], "文件大小为 {size} 字节；" + AT_MOST[1]),
    "file.grew-too-large": ("the file is over {max} bytes; " + AT_MOST[0], "文件超过 {max} 字节；" + AT_MOST[1]),
    "file.encoding": (
        "the file is not valid UTF-8 (byte 0x{byte}); save it as UTF-8",
        "文件不是有效的 UTF-8 编码（字节 0x{byte}）；请另存为 UTF-8",
    ),
    "yaml.character": (
        "the file holds {what}, U+{code}, which YAML does not allow; delete it",
        "文件中有{what_zh}（U+{code}），YAML 不允许出现；请删除它",
    ),
    "yaml.too-deep": (
        "lists and mappings are nested more than {depth} levels deep; a record needs a few",
        "列表和映射嵌套超过 {depth} 层；一条客户记录只需要几层",
    ),
    "yaml.multiple-documents": (
        "the file holds several YAML documents (a second '---'); keep one record per file",
        "文件中有多个 YAML 文档（出现了第二个 ---）；每个文件只放一条客户记录",
    ),
    "yaml.syntax": ("YAML syntax: {detail}", "YAML 语法错误：{detail}"),
    "yaml.empty": (
        "the file is empty; a record is a mapping of fields such as 'id: …'",
        "文件是空的；一条客户记录由若干「字段: 值」组成，例如 id: …",
    ),
    "yaml.not-mapping": (
        "a record must be a mapping of fields (key: value), found {found}",
        "客户记录必须由「字段: 值」组成，这里却是{found_zh}",
    ),
    "yaml.value": ("unreadable value: {error}", "无法读取的值：{error}"),
    "yaml.recursive-alias": ("an alias refers to a node that contains it", "别名引用了包含它自身的节点"),
    "yaml.alias-bomb": (
        "aliases expand to more than {max} nodes (this anchored value is repeated); write the values out instead",
        "别名展开后超过 {max} 个节点（这个锚点的值被重复引用）；请把值直接写出来",
    ),
    "yaml.merge": ("a merge key (<<) must refer to a mapping", "合并键（<<）必须引用一个映射"),
    "yaml.key": (
        "field names must be text, found {shown}; quote it if it is meant as a name",
        "字段名必须是文本，这里是 {shown}；如果它是字段名，请加引号",
    ),
    "yaml.tag": (
        "YAML tag {tag} is not allowed: records hold plain text, numbers, lists and mappings",
        "不允许使用 YAML 标签 {tag}：客户记录只包含文本、数字、列表和映射",
    ),
    "yaml.duplicate-key": ("duplicate key {key}: the field is written twice", "重复的键 {key}：这个字段写了两次"),
    # --- one record against the team's models (validation) ---
    "record.id-file-name": (
        "id {id} does not match the file name; the file must be named {name}.yaml",
        "客户编号 {id} 与文件名不一致；文件应命名为 {name}.yaml",
    ),
    "schema.kind": ("kind must be one of {kinds}", "客户类型必须是 {kinds} 之一"),
    "schema.kind-found": ("kind must be one of {kinds}, found {found}", "客户类型必须是 {kinds} 之一，这里是 {found}"),
    "schema.unknown-field": ("unknown field {name}", "未知字段 {name}"),
    "schema.unknown-field-close": (
        "unknown field {name} (did you mean {close}?)",
        "未知字段 {name}（是不是想写 {close}，即「{label}」？）",
    ),
    "schema.unknown-field-known": (
        "unknown field {name}; known fields: {known}",
        "未知字段 {name}；可以填写的字段：{known_zh}",
    ),
    "schema.missing": ("required field {name} is missing", "缺少必填字段「{label}」（{field}）"),
    "schema.option": (
        "{value} is not one of the {options} options: {allowed}",
        "{value} 不是「{label}」的可选值；可选：{allowed_zh}",
    ),
    "schema.not-a-day": ("{value} is not a real date ({error})", "{value} 不是真实存在的日期"),
    "schema.date-form": ("dates are written YYYY-MM-DD, found {value}", "日期要写成 YYYY-MM-DD，这里是 {value}"),
    "schema.date-years": ("{value}: a date must lie in the years {years}", "{value}：日期必须在 {years} 年之间"),
    "schema.number-as-text": (
        "{msg}; YAML read {value} as a number, write it in quotes",
        "这里应填文本；YAML 把 {value} 读成了数字，请加上引号",
    ),
    "schema.boolean-as-text": (
        "{msg}; YAML read this as {value} (yes/no/on/off are booleans), write it in quotes",
        "这里应填文本；YAML 把它读成了真假值 {value}（yes、no、on、off 都会被这样读），请加上引号",
    ),
    # pydantic's own errors: English is pydantic's sentence, Chinese is said from the error's context
    "pydantic.string_type": ("{msg}", "这里应填文本"),
    "pydantic.int_type": ("{msg}", "这里应填整数"),
    "pydantic.int_parsing": ("{msg}", "这里应填整数"),
    "pydantic.int_from_float": ("{msg}", "这里应填整数，不能带小数"),
    "pydantic.float_type": ("{msg}", "这里应填数字"),
    "pydantic.float_parsing": ("{msg}", "这里应填数字"),
    "pydantic.decimal_type": ("{msg}", "这里应填数字"),
    "pydantic.decimal_parsing": ("{msg}", "这里应填数字"),
    "pydantic.bool_type": ("{msg}", "这里应填真假值"),
    "pydantic.bool_parsing": ("{msg}", "这里应填真假值"),
    "pydantic.list_type": ("{msg}", "这里应填一个列表"),
    "pydantic.dict_type": ("{msg}", "这里应填「字段: 值」的映射"),
    "pydantic.model_type": ("{msg}", "这里应填「字段: 值」的映射"),
    "pydantic.model_attributes_type": ("{msg}", "这里应填「字段: 值」的映射"),
    "pydantic.date_type": ("{msg}", "这里应填日期（YYYY-MM-DD）"),
    "pydantic.date_parsing": ("{msg}", "这里应填日期（YYYY-MM-DD）"),
    "pydantic.too_short": ("{msg}", "至少要有 {min_length} 项"),
    "pydantic.too_long": ("{msg}", "最多只能有 {max_length} 项"),
    "pydantic.string_too_short": ("{msg}", "至少要有 {min_length} 个字符"),
    "pydantic.string_too_long": ("{msg}", "最多只能有 {max_length} 个字符"),
    "pydantic.greater_than": ("{msg}", "应大于 {gt}"),
    "pydantic.greater_than_equal": ("{msg}", "应大于或等于 {ge}"),
    "pydantic.less_than": ("{msg}", "应小于 {lt}"),
    "pydantic.less_than_equal": ("{msg}", "应小于或等于 {le}"),
    "pydantic.finite_number": ("{msg}", "这里应填有限的数字"),
    "pydantic.string_pattern_mismatch": ("{msg}", "格式不符合要求（{pattern}）"),
    "pydantic.literal_error": ("{msg}", "应为 {expected} 之一"),
    "pydantic.enum": ("{msg}", "应为 {expected} 之一"),
    "pydantic.missing": ("{msg}", "缺少必填字段"),
    "pydantic.extra_forbidden": ("{msg}", "不认识这个字段"),
    "pydantic.value_error": ("{msg}", "取值不符合规则：{error}"),
    "pydantic.other": ("{msg}", "取值不符合要求：{msg}"),
    # --- rules across records (dataset) ---
    "team.reserved-handle": (
        "the handle {handle} is reserved: it names the site with every customer (crm sites); choose another",
        "账号 {handle} 是保留名称：它指包含全部客户的站点（crm sites）；请换一个账号",
    ),
    "team.missing": ("the team file is missing; list the team's members there", "缺少团队文件；请在其中列出团队成员"),
    "record.duplicate-id": ("id {id} is already used by {other}", "客户编号 {id} 已被 {other} 使用"),
    "record.unknown-member": (
        "{value} is not a member of the team ({team_file})",
        "{value} 不是团队成员（{team_file}）",
    ),
    "record.owner-cannot-read": (
        "{value} would own this customer but reads no customer: their role has no audience in "
        "schema/settings.yaml (audiences), so they could edit what they cannot read",
        "{value} 是这位客户的负责人，却看不到任何客户：其角色在 schema/settings.yaml 的 audiences 中没有设置，"
        "会出现能修改却看不到的情况",
    ),
    "record.self-reference": ("a record cannot refer to itself", "客户记录不能引用它自己"),
    "record.unknown-customer": ("no customer has the id {value}", "没有客户编号为 {value} 的客户"),
    "record.parent-cycle": (
        "head-office links form a cycle back to this record",
        "总部关系绕了一圈又回到这条记录",
    ),
    # --- importing a sheet (write.importing): why a row, or the whole sheet, was refused ---
    "import.unknown-value": (
        "{column}: {text} is not a known {target}{hint} (crm import --plan writes a mapping draft)",
        "{column}：{text} 不是可识别的取值{hint_zh}（运行 crm import --plan 可生成映射草稿）",
    ),
    "import.unknown-owner": (
        "{column}: {text} is not a known {target}{hint} (crm import --plan writes a mapping draft)",
        "{column}：{text} 不是团队中的跟进人{hint_zh}（运行 crm import --plan 可生成映射草稿）",
    ),
    "import.undecided": (
        "{column}: {text} is left undecided (~) in the mapping {mapping}",
        "{column}：{text} 在映射 {mapping} 中尚未决定（~）",
    ),
    "import.day-or-month": (
        "{column}: {text} could be day/month or month/day; say which with 'dates: mdy' or 'dates: dmy' in the mapping",
        "{column}：{text} 既可能是日/月，也可能是月/日；请在映射中写 dates: mdy 或 dates: dmy 指明",
    ),
    "import.not-a-date": (
        "{column}: {text} is not a date ({spellings})",
        "{column}：{text} 不是日期（可写作 {spellings_zh}）",
    ),
    "import.not-whole": ("{column}: {text} is not a whole number", "{column}：{text} 不是整数"),
    "import.not-yes-no": ("{column}: {text} is not yes or no", "{column}：{text} 不是“是”或“否”"),
    "import.not-amount": (
        "{column}: {text} is not an amount ({spellings})",
        "{column}：{text} 不是金额（可写作 {spellings_zh}）",
    ),
    "import.forbidden-number": (
        "{column}: holds a resident ID or bank card number; plaincrm never stores them, "
        "take it out of the sheet (the value is not repeated here)",
        "{column}：含有居民身份证号码或银行卡号；plaincrm 从不保存这些号码，请从表格中删除（此处不再重复该号码）",
    ),
    "import.header-forbidden": (
        "{path}: the header of column {column} holds a resident ID or bank card number; plaincrm never "
        "stores them: take it out of the sheet",
        "{path}：第 {column} 列的表头含有居民身份证号码或银行卡号；plaincrm 从不保存这些号码，请从表格中删除",
    ),
    "import.repository-unreadable": (
        "{file} cannot be read ({problem}); run crm validate and fix the repository first",
        "无法读取 {file}（{problem}）；请先运行 crm validate 修正仓库中的记录",
    ),
    "import.no-model": ("kind {kind} has no model", "客户类型 {kind} 没有对应的模型"),
    "import.alias-not-field": (
        "{column}: the mapping's alias names {name}, which is not a customer field",
        "{column}：映射中的别名指向 {name}，但它不是客户字段",
    ),
    "import.alias-of-alias": (
        "{column}: the mapping's alias for {name} leads to another alias of several fields",
        "{column}：映射中 {name} 的别名又指向另一个多字段别名",
    ),
    "import.item-incomplete": (
        "{section}: the row has {given} but not {missing}",
        "{section}：这一行有 {given}，但缺少 {missing}",
    ),
    "import.not-found": (
        "no such customer in the repository (--mode update only changes existing ones)",
        "仓库中没有这个客户（--mode update 只修改已有的客户）",
    ),
    "import.no-name": ("no name (a new customer needs one)", "没有客户名称（新客户必须填写）"),
    "import.no-owner": (
        "no owner: add an owner column or pass --owner",
        "没有跟进人：请在表格中加上跟进人一列，或用 --owner 指定",
    ),
    "import.already": (
        "already in the repository as {record} (--mode upsert updates it)",
        "仓库中已有此客户：{record}（用 --mode upsert 可更新它）",
    ),
    "import.ambiguous": (
        "matches {ids} by {rule}: ambiguous, not merged (crm dupes)",
        "按{rule_zh}同时匹配到 {ids}：无法确定是哪一个，未合并（见 crm dupes）",
    ),
    "import.ambiguous-rules": (
        "matches {listed}: ambiguous, not merged (crm dupes)",
        "同时匹配到 {listed_zh}：无法确定是哪一个，未合并（见 crm dupes）",
    ),
    "import.same-record": (
        "duplicate of row {row} in this file (both are {record})",
        "与本文件第 {row} 行重复（都是 {record}）",
    ),
    "import.same-key": (
        "duplicate of row {row} in this file (same {rule})",
        "与本文件第 {row} 行重复（{rule_zh}相同）",
    ),
    "import.record-problem": ("{field}: {message}", "字段 {field}：{message}"),
    "import.record-problem-whole": ("record: {message}", "客户记录：{message}"),
    "import.owner-not-member": (
        "--owner {owner} is not a handle in {team_file}",
        "--owner {owner} 不是 {team_file} 中的成员账号",
    ),
    "import.draft": (
        "{origin} is a draft whose suggestions nobody has checked: check each line "
        "marked 'suggested', then set 'reviewed: true' in it",
        "{origin} 是尚未核对的映射草稿：请逐行核对标有 suggested 的建议，然后在其中写上 reviewed: true",
    ),
    # the sheet itself (write.importing.sheets): why the file cannot be read as a sheet
    "import.sheet-not-file": (
        "{path}: not a file (a folder, a pipe or a device); give the spreadsheet file itself",
        "{path}：不是文件（是文件夹、管道或设备）；请给出表格文件本身",
    ),
    "import.sheet-cannot-read": ("{path}: cannot read it: {error}", "{path}：无法读取这个文件：{error}"),
    "import.sheet-too-large": (
        "{path}: {size} bytes, more than the {max} allowed",
        "{path}：文件有 {size} 字节，超过了允许的 {max} 字节",
    ),
    "import.sheet-unreadable": (
        "{path}: not a readable {format} file: {reason}",
        "{path}：无法作为 {format} 文件读取，文件可能已损坏：{reason}",
    ),
    "import.sheet-entities": (
        "{path}: not a readable {format} file: its XML declares entities (refused: a possible entity bomb)",
        "{path}：无法作为 {format} 文件读取：文件里的 XML 声明了实体（已拒绝：可能是恶意构造的文件）",
    ),
    "import.sheet-not-spreadsheet": (
        "{path}: not a spreadsheet file: neither a zip archive (XLSX, ODS) nor a compound file (XLS)",
        "{path}：不是表格文件：既不是 zip 压缩格式（XLSX、ODS），也不是 XLS 文件",
    ),
    "import.sheet-wrong-extension": (
        "{path}: an {format} file by its content: name it .{suffix} to import it",
        "{path}：从内容看这是 {format} 文件：请把文件扩展名改为 .{suffix} 再导入",
    ),
    "import.sheet-row-past-end": (
        "{path}: a row numbered past {last}, the last a spreadsheet has",
        "{path}：有一行的行号超过了 {last}（表格最多只有这么多行）",
    ),
    "import.sheet-too-many-rows": (
        "{path}: more than the {max} rows allowed ({where} {number})",
        "{path}：超过了允许的 {max} 行（到第 {number} 行）",
    ),
    "import.sheet-too-many-columns": (
        "{path}: {where} {number} has {cells}, more than the {max} columns allowed",
        "{path}：第 {number} 行{cells_zh}，超过了允许的 {max} 列",
    ),
    "import.sheet-line-cells": ("{width} cells", "有 {width} 个单元格"),
    "import.sheet-row-cells": ("cells up to column {column}", "的单元格一直排到 {column} 列"),
    "import.sheet-too-many-cells": (
        "{path}: more than the {max} cells allowed ({where} {number})",
        "{path}：单元格超过了允许的 {max} 个（到第 {number} 行）",
    ),
    "import.sheet-empty": ("{path}: the sheet is empty", "{path}：表格是空的"),
    "import.sheet-encoding": (
        '{path}: not text in UTF-8, UTF-16 or GB18030/GBK; save it as "CSV UTF-8"',
        "{path}：不是 UTF-8、UTF-16 或 GB18030/GBK 编码的文本；请另存为“CSV UTF-8”格式",
    ),
    "import.csv-unclosed-quote": (
        "{path}: line {line}: a quote opened here is never closed",
        "{path}：第 {line} 行：这里开始的引号一直没有闭合",
    ),
    "import.csv-error": ("{path}: line {line}: {error}", "{path}：第 {line} 行的格式有误：{error}"),
    "import.csv-swallowed": (
        "{path}: line {line}: a quote opened here closes only at line {closed}, "
        "reading lines {next}-{closed} (which look like rows of their own) into one cell",
        "{path}：第 {line} 行：这里开始的引号直到第 {closed} 行才闭合，"
        "把第 {next}–{closed} 行（看起来各自是单独的一行）读进了同一个单元格",
    ),
    "import.csv-cell-count": (
        "{path}: line {line} has {cells} cells, the header has {header}",
        "{path}：第 {line} 行有 {cells} 个单元格，而表头有 {header} 个",
    ),
    "import.csv-cell-too-long": (
        "{path}: line {line}, column {column}: a cell of {length} characters, "
        "more than the {max} a spreadsheet cell holds",
        "{path}：第 {line} 行第 {column} 列：单元格有 {length} 个字符，超过了表格单元格最多能容纳的 {max} 个",
    ),
    "import.zip-too-large": (
        "{path}: refused: its members would unpack to {total} bytes, more than the {max} allowed (a zip bomb?)",
        "{path}：已拒绝：解压后会有 {total} 字节，超过了允许的 {max} 字节（可能是恶意构造的压缩文件）",
    ),
    "import.zip-bomb": (
        "{path}: refused: {member} would unpack to {size} bytes from {compressed} (a zip bomb?)",
        "{path}：已拒绝：其中的 {member} 会从 {compressed} 字节解压成 {size} 字节（可能是恶意构造的压缩文件）",
    ),
    "import.zip-same-name": (
        "{path}: refused: two members have the same name",
        "{path}：已拒绝：压缩文件里有两个同名的部分",
    ),
    "import.sheet-no-worksheet": ("{path}: the workbook has no worksheet", "{path}：这个工作簿里没有工作表"),
    "import.sheet-area-too-large": (
        "{path}: sheet {sheet} spans {rows} rows x {columns} columns, more than allowed "
        "({max_rows} rows, {max_columns} columns, {max_cells} cells)",
        "{path}：工作表 {sheet} 占了 {rows} 行 × {columns} 列，超过了允许的范围"
        "（{max_rows} 行、{max_columns} 列、{max_cells} 个单元格）",
    ),
    "import.sheet-cells-in-sheet": (
        "{path}: sheet {sheet} has more than the {max} cells allowed",
        "{path}：工作表 {sheet} 的单元格超过了允许的 {max} 个",
    ),
    "import.sheet-too-much-text": (
        "{path}: its cells would hold more than {max} characters of text (one text repeated into many cells?)",
        "{path}：单元格里的文字加起来会超过 {max} 个字符（是不是同一段文字被复制到了很多单元格里？）",
    ),
    # the mapping (write.importing.mapping): why the mapping file cannot be used
    "import.mapping-unreadable": ("{path}: {message}", "映射文件 {path}：{message_zh}"),
    "import.mapping-not-utf8": ("{path}: not UTF-8 text", "映射文件 {path} 不是 UTF-8 编码的文本"),
    "import.mapping-problem": (
        "{origin}:{line}:{col}: {message}",
        "映射文件 {origin} 第 {line} 行第 {col} 列：{message_zh}",
    ),
    "import.mapping-not-yaml": (
        "{origin}{where}: {reason}; a mapping is plain UTF-8 text",
        "映射文件 {origin}{where_zh}：{reason_zh}；映射文件应是纯 UTF-8 文本",
    ),
    "import.mapping-not-yaml-reason": ("not readable as YAML", "无法按 YAML 格式读取"),
    "import.mapping-unknown-key": (
        "unknown key {key}; a mapping has name, system, columns, defaults, aliases, dates, reviewed",
        "不认识的键 {key}；映射文件只能有 name、system、columns、defaults、aliases、dates、reviewed",
    ),
    "import.mapping-no-columns": (
        "a mapping needs 'columns: {{header: field}}'",
        "映射文件需要写明每列对应的字段：columns: {{表头: 字段}}",
    ),
    "import.mapping-column-target": (
        "column {column}: the target must be a field name, 'notes+' or 'ignore'",
        "列 {column}：对应的必须是字段名、notes+ 或 ignore",
    ),
    "import.mapping-not-a-mapping": ("'{key}' must be a mapping", "{key} 必须写成“键: 值”的形式"),
    "import.mapping-alias-table": (
        "aliases of {target} must be a mapping of spelling: value",
        "{target} 的别名必须写成“写法: 取值”的形式",
    ),
    "import.mapping-alias-meaning": (
        "{spelling}: a value, a mapping of fields, or ~ (undecided)",
        "{spelling}：应是一个取值、一组“字段: 取值”，或 ~（尚未决定）",
    ),
    "import.mapping-dates": ("dates: one of {orders}", "dates 只能是 {orders} 之一"),
    "import.mapping-reviewed": ("reviewed: true or false", "reviewed 只能是 true 或 false"),
    "import.mapping-system": (
        "system: a short name (letters, digits, spaces, . - _)",
        "system 应是一个简短的名称（字母、数字、空格或 . - _）",
    ),
    "import.mapping-unknown-field": (
        "mapping {mapping}: {target} is not a field of a customer "
        "(nor contact.X, interaction.X, order.X, key_date:KIND, person, company, notes+, ignore)",
        "映射 {mapping}：{target} 不是客户的字段"
        "（也不是 contact.X、interaction.X、order.X、key_date:类型、person、company、notes+ 或 ignore）",
    ),
    "import.no-mapping-fits": (
        "no shipped mapping fits these columns; run crm import FILE --plan to write one",
        "没有现成的映射能对应这些列；请运行 crm import 文件 --plan 生成一个映射草稿",
    ),
    # --- the guides' consistency rules (consistency.py), warnings unless settings.yaml `warnings` says error ---
    "consistency.category-cooperation": (
        "category is potential but cooperation is active, with no first order: a customer turning from potential "
        "to active gets its category and its first cooperation (an order, or the contract_signed date) updated "
        "together (guide E)",
        "客户分类为潜在客户，合作状态却是合作中，且没有首次合作的订单：从潜在客户转为合作中，"
        "需同步修改客户分类与首次合作时间（指南 E）",
    ),
    "consistency.placeholder-name": (
        "{name} is a form of address, not a name (a surname with Mr, Ms, boss, manager… or a masked name): "
        "write the contact's real full name (guide E)",
        "{name} 是称呼而不是姓名（姓氏加先生、女士、总、经理等，或含“某”）：请填写联系人的真实姓名（指南 E）",
    ),
    "consistency.unreachable": (
        "{word} in {where}: the phone of {name} proved unreachable; mark the contact to check "
        "(verified: to_check) until the number is checked again (guide E)",
        "{where_zh}中提到{word}：联系人 {name} 的电话无法联系，请将其核实状态设为待核实（verified: to_check），"
        "重新核实号码后再改为已核实（指南 E）",
    ),
    "consistency.unreachable-unnamed": (
        "{word} in {where}, naming no contact: say whose phone proved unreachable and mark that contact to check "
        "(verified: to_check) (guide E)",
        "{where_zh}中提到{word}，但没有写明是哪位联系人：请写明联系人，并将其核实状态设为待核实"
        "（verified: to_check）（指南 E）",
    ),
    "consistency.idle-potential": (
        "a potential customer not followed up since {since}, over {days} days: follow up, or change its "
        "category (guide E)",
        "潜在客户自 {since} 起超过 {days} 天未跟进：请跟进，或调整客户分类（指南 E）",
    ),
    "consistency.late-interaction": (
        "the interaction of {date} was recorded {recorded} (commit {commit}), more than 24 hours after it: "
        "log interactions within 24 hours (guides B and E)",
        "{date} 的互动在 {recorded} 才登记（提交 {commit}），超过 24 小时：互动记录须在 24 小时内登记（指南 B、E）",
    ),
    "problem.warning-prefix": ("warning: {message}", "警告：{message}"),
    "problem.markdown-errors": ("**{n} problem(s) found by crm validate**", "**crm validate 发现 {n} 个问题**"),
    "problem.markdown-warnings": (
        "**{n} warning(s) from crm validate** (the guides' consistency rules; they do not fail the check)",
        "**crm validate 的 {n} 条警告**（指南中的一致性规则；不会导致检查失败）",
    ),
    "problem.markdown-more": ("and {n} more (see the annotations)", "另有 {n} 条（见注释）"),
    # --- privacy (privacy.py finds, its codes are these keys) ---
    "privacy.resident-id": (
        "looks like a resident ID number (valid check digit); plaincrm never stores ID numbers — remove it",
        "看起来是居民身份证号码（校验位正确）；plaincrm 从不保存身份证号码，请删除",
    ),
    "privacy.bank-card": (
        "looks like a bank card number ({digits} digits passing the Luhn check); "
        "plaincrm never stores bank details — remove it",
        "看起来是银行卡号（{digits} 位，通过 Luhn 校验）；plaincrm 从不保存银行信息，请删除",
    ),
    # --- the monthly spot check (sampling.py, crm review sample; guides A and E) ---
    "review_sample.title": ("Customer spot check {month} ({percent}%)", "客户抽查 {month} ({percent}%)"),
    "review_sample.head": (
        "{sampled} of {total} customers, a {percent}% sample drawn for {month} (the same month always draws "
        "the same customers)",
        "共 {total} 个客户，抽查 {sampled} 个（{percent}%，按月份 {month} 抽取，同一月份抽到的客户相同）",
    ),
    "review_sample.intro": (
        "The monthly spot check (guide A: check 10% of the customer records every month; guide E: keep the "
        "library accurate): check each customer below against what you know of them, tick each line that is "
        "right, and correct the record where it is not.",
        "每月抽查（指南 A：每月抽查 10% 的客户信息，核对其准确性；指南 E：保持客户信息库准确）：逐一核对以下客户，"
        "无误的逐项勾选，有误的请修改记录。",
    ),
    "review_sample.owner": ("Owner: {name} ({handle})", "跟进人：{name}（{handle}）"),
    "review_sample.contacts": (
        "Contacts still reachable (mark a doubtful one verified: to_check until checked again):",
        "联系人是否仍可联系（存疑的请将核实状态设为待核实，重新核实后再改为已核实）：",
    ),
    "review_sample.no-contacts": ("no contact recorded", "未登记联系人"),
    "review_sample.state-dated": ("{state}, verified on {date}", "{state}，核实日期 {date}"),
    "review_sample.state-undated": ("{state}, no verified_on date", "{state}，无核实日期"),
    "review_sample.never-verified": ("never verified", "从未核实"),
    "review_sample.category": (
        "Category and cooperation still right: {category} / {cooperation}",
        "客户分类与合作状态是否仍准确：{category} / {cooperation}",
    ),
    "review_sample.last": ("Last follow-up: {date} ({days} days ago)", "最近跟进日期：{date}（{days} 天前）"),
    "review_sample.last-none": ("Last follow-up: none logged", "最近跟进日期：暂无跟进记录"),
    "review_sample.missing": ("Recommended fields missing: {fields}", "缺少的建议字段：{fields}"),
    "review_sample.missing-none": ("Recommended fields missing: none", "缺少的建议字段：无"),
    "review_sample.none": ("There are no customers to sample.", "没有可抽查的客户。"),
    "review_sample.more": (
        "… and {n} more customers, not listed for the issue's size limit: crm review sample --month {month} "
        "--percent {percent} lists them all",
        "……另有 {n} 个客户因 Issue 长度限制未列出：运行 crm review sample --month {month} --percent {percent} "
        "可查看全部",
    ),
    "review_sample.hint": (
        "Tick each line once checked; correct a record with crm set, crm contact add or a pull request. Running "
        "the command again for this month updates this issue and keeps the ticks.",
        "核对一项勾选一项；记录有误请用 crm set、crm contact add 或合并请求修改。本月再次运行会更新此 Issue，"
        "已勾选的保留。",
    ),
    "review_sample.bad-month": (
        "--month must be a month written YYYY-MM (e.g. 2026-06), not {value}",
        "--month 须为 YYYY-MM 格式的月份（例如 2026-06），而不是 {value}",
    ),
    "review_sample.bad-percent": (
        "--percent must be a number above 0 and at most 100 (e.g. 10 or 12.5), not {value}",
        "--percent 须为大于 0、不超过 100 的数（例如 10 或 12.5），而不是 {value}",
    ),
    "review_sample.label": ("plaincrm: the monthly spot check of customer records", "plaincrm：客户记录每月抽查"),
    "review_sample.create": ("created issue #{number}: {title}", "已新建 Issue #{number}：{title}"),
    "review_sample.update": ("updated issue #{number}: {title}", "已更新 Issue #{number}：{title}"),
    "review_sample.keep": ("issue #{number} is up to date: {title}", "Issue #{number} 已是最新：{title}"),
    "review_sample.would-create": ("would create an issue: {title}", "将新建 Issue：{title}"),
    "review_sample.would-update": ("would update issue #{number}: {title}", "将更新 Issue #{number}：{title}"),
}


class Said(NamedTuple):
    """What a problem says, before it is worded: a key of `MESSAGES` and its fields, as text."""

    key: str
    args: tuple[tuple[str, str], ...]

    def text(self, lang: str = "en") -> str:
        return say(self.key, lang, dict(self.args))


def said(key: str, /, **args: Any) -> Said:
    """A message to be worded later; every field becomes text (a cached problem holds only text)."""
    return Said(key, tuple((name, str(value)) for name, value in args.items()))


def say(key: str, lang: str, args: Mapping[str, str]) -> str:
    """The message `key` in `lang` ("zh" or anything else for English)."""
    return MESSAGES[key][1 if lang == "zh" else 0].format_map(args)


def pydantic_said(err: Mapping[str, Any], message: str) -> Said:
    """One of pydantic's errors as a message: its English `message`, and Chinese from its type and context."""
    key = "pydantic." + str(err["type"])
    if key not in MESSAGES:
        key = "pydantic.other"
    context = {name: value for name, value in (err.get("ctx") or {}).items() if name != "msg"}
    return said(key, msg=message, **context)
