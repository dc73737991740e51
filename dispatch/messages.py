"""What users read when input is wrong: every error code in Chinese and English.

Kept as one bilingual table (not scattered gettext calls) so a test can check that every code
the services raise has both languages.
"""

from __future__ import annotations

from typing import Any

from dispatch.message_words import worded

MESSAGES: dict[str, tuple[str, str]] = {
    # request level
    "not_found": ("找不到该记录，或不在您的管辖范围内", "Not found, or outside your jurisdiction"),
    "forbidden": ("您的角色无权进行此操作", "Your role may not do this"),
    "login_required": ("请先登录", "Please log in first"),
    "csrf_failed": ("页面已过期或缺少安全令牌，请刷新后重试", "The security token is missing or stale; reload and retry"),
    "invalid_input": ("输入有误，未做任何修改", "The input has errors; nothing was changed"),
    "import_failed": ("导入失败，未写入任何数据。问题如下：", "Import failed; nothing was written. The problems:"),
    "conflict": ("与已有记录重复，未做任何修改", "This duplicates an existing record; nothing was changed"),
    "state_conflict": (
        "记录当前的状态不允许这样做，未做任何修改",
        "The record's current state does not allow this; nothing was changed",
    ),
    "malformed_json": ("请求体不是有效的 JSON:{detail}", "The request body is not valid JSON: {detail}"),
    "json_required": (
        "请求体须为 JSON（Content-Type: application/json）",
        "The body must be JSON (Content-Type: application/json)",
    ),
    "json.too_deep": (
        "请求体的 JSON 嵌套太深（最多 {limit} 层）",
        "The JSON of the body nests too deeply (at most {limit} levels)",
    ),
    "multipart_required": (
        "上传须为 multipart/form-data 表单，文件放在 file 字段中",
        "An upload must be a multipart/form-data form with the file in its file field",
    ),
    "too_large": ("上传内容超过大小上限 {limit}", "The upload is over the size limit of {limit}"),
    "metrics.forbidden": (
        "指标只给带令牌（METRICS_TOKEN）的请求，或本机直接访问 Web 进程的请求",
        "Metrics are for requests with the token (METRICS_TOKEN), or made on this machine straight to a web process",
    ),
    "method_not_allowed": ("不支持该请求方法", "Method not allowed"),
    "member.forgotten": (
        "该队员的个人信息已删除，不能再修改；如其重新加入，请作为新队员添加",
        "This member's personal information was removed and cannot be changed; if they come back, add them as a new member",
    ),
    "too_many_requests": (
        "请求过于频繁，请 {seconds} 秒后再试",
        "Too many requests; please try again in {seconds} seconds",
    ),
    "login.locked": (
        "登录失败次数过多，请 {minutes} 分钟后再试，或请管理员解除锁定",
        "Too many failed logins; try again in {minutes} minutes, or ask an administrator to lift the lock",
    ),
    "bad_request": ("请求有误", "Bad request"),
    "database_unavailable": (
        "数据库暂时不可用，操作未完成，请几秒后重试",
        "The database is briefly unavailable; nothing was done. Try again in a few seconds",
    ),
    "internal_error": ("服务器出错，操作未完成，请稍后重试", "A server error stopped this; nothing was done. Try again shortly"),
    "login_failed": ("用户名或密码错误", "Wrong username or password"),
    "session_expired": ("登录已超时，请重新登录", "Your session has timed out; please log in again"),
    "password.change_required": (
        "请先修改密码（首次登录或密码已过期），再继续使用",
        "Change your password first (a first login, or the password has expired)",
    ),
    # where a problem is: a CSV line, or a GeoJSON feature (1-based, as a person counts them)
    "where.line": ("第 {row} 行", "line {row}"),
    "where.feature": ("第 {row} 个要素", "feature {row}"),
    # field level (pydantic types and our own)
    "missing": ("必填", "is required"),
    "null_not_allowed": ("不能为空（null）：{fields}", "cannot be null: {fields}"),
    "extra_forbidden": ("不是可用的字段", "is not a known field"),
    "string_too_short": ("不能为空或太短（至少 {min_length} 个字符）", "is empty or too short (at least {min_length})"),
    "string_too_long": ("太长（最多 {max_length} 个字符）", "is too long (at most {max_length})"),
    "string_type": ("应为文本", "must be text"),
    "string_unicode": ("含有无效的字符", "holds characters that are not valid"),
    "string_pattern_mismatch": ("格式不正确", "is not in the expected form"),
    "int_parsing": ("应为整数", "must be a whole number"),
    "int_type": ("应为整数", "must be a whole number"),
    "int_from_float": ("应为整数", "must be a whole number"),
    "float_parsing": ("应为数字", "must be a number"),
    "float_type": ("应为数字", "must be a number"),
    "bool_parsing": ("应为是或否（true/false）", "must be true or false"),
    "bool_type": ("应为是或否（true/false）", "must be true or false"),
    "list_type": ("应为列表", "must be a list"),
    "dict_type": ("应为对象", "must be an object"),
    "model_type": ("应为对象", "must be an object"),
    "date_from_datetime_parsing": ("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_parsing": ("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_type": ("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "datetime_type": (
        "应为带时区的时间（如 2026-07-01T08:00:00+08:00）",
        "must be a time with its zone (like 2026-07-01T08:00:00+08:00)",
    ),
    "datetime_range": ("时间超出可用范围", "is a time out of range"),
    "datetime_parsing": (
        "应为带时区的时间（如 2026-07-01T08:00:00+08:00）",
        "must be a time with its zone (like 2026-07-01T08:00:00+08:00)",
    ),
    "datetime_from_date_parsing": (
        "应为带时区的时间（如 2026-07-01T08:00:00+08:00）",
        "must be a time with its zone (like 2026-07-01T08:00:00+08:00)",
    ),
    "timezone_aware": ("须注明时区（如 +08:00）", "must say its zone (like +08:00)"),
    "enum": ("应为以下之一：{expected}", "must be one of: {expected}"),
    "literal_error": ("应为以下之一：{expected}", "must be one of: {expected}"),
    "greater_than": ("应大于 {gt}", "must be greater than {gt}"),
    "greater_than_equal": ("应不小于 {ge}", "must be at least {ge}"),
    "less_than": ("应小于 {lt}", "must be less than {lt}"),
    "less_than_equal": ("应不大于 {le}", "must be at most {le}"),
    "too_short": ("至少需要 {min_length} 项", "needs at least {min_length} item(s)"),
    "too_long": ("最多 {max_length} 项", "takes at most {max_length} item(s)"),
    "value_error": ("取值无效", "is not a valid value"),
    "finite_number": ("应为有限的数字", "must be a finite number"),
    "text.unstorable": (
        "含有无法保存的字符（空字符 NUL 或不成对的代理字符）",
        "holds a character that cannot be stored (NUL, or an unpaired surrogate)",
    ),
    "text.blank": (
        "不能为空（只有空格或看不见的字符，如零宽空格，也算空）",
        "must not be empty (spaces or invisible characters, such as zero-width spaces, alone count as empty)",
    ),
    "text.direction_control": (
        "含有改变文字方向的控制字符（如 U+202E），会让短信和页面倒着显示，请删去",
        "holds a character that turns text around (such as U+202E), which would garble the SMS and the page; remove it",
    ),
    "credit_code.length": ("统一社会信用代码应为 18 位", "the unified social credit code must be 18 characters"),
    "credit_code.characters": (
        "统一社会信用代码含有不允许的字符（不含 I、O、Z、S、V）",
        "the credit code has characters it cannot contain (no I, O, Z, S, V)",
    ),
    "credit_code.division": (
        "统一社会信用代码第 3–8 位应为行政区划数字",
        "characters 3–8 of the credit code must be a division code",
    ),
    "credit_code.check_digit": ("统一社会信用代码校验位不正确", "the credit code's check character is wrong"),
    "status.unknown": (
        "类型应为 登记、备案 或 指导（registered / filed / guided）",
        "the status must be 登记, 备案 or 指导 (registered, filed or guided)",
    ),
    "credit_code.required": ("登记类社会组织必须填写统一社会信用代码", "a registered organization needs its credit code"),
    "phone.unparseable": ("电话号码无法识别", "the phone number cannot be read"),
    "phone.invalid": ("电话号码无效", "the phone number is not valid"),
    "phone.not_mobile": ("应为手机号码", "must be a mobile number"),
    "member.unknown": ("找不到这些队员，或不在您的管辖范围内：{ids}", "no such members in your jurisdiction: {ids}"),
    "training.certificate_without_skill": ("发放证书须指明培训的技能", "a certificate needs the skill the training was for"),
    "complaint.not_managing_body": (
        "该投诉由管理该组织的机关（登记、备案或指导单位）处理，您无权作出处理决定",
        "the body that registers, files or guides the organization decides this complaint, not you",
    ),
    "complaint.decided": ("该投诉已有处理结果（{status}），不能更改", "this complaint was decided already ({status})"),
    "risk.handled": ("该风险报告已处理（{status}）", "this risk report was handled already ({status})"),
    "period.format": (
        "期间“{value}”无效，应为年（2026）、半年（2026-H1）、季度（2026-Q3）或月（2026-07）",
        "“{value}” is no period: a year (2026), half (2026-H1), quarter (2026-Q3) or month (2026-07)",
    ),
    "period.not_started": (
        "期间“{value}”尚未开始（{starts_on} 开始），还没有可公开的评价",
        "“{value}” has not started yet (it starts on {starts_on}), so there is nothing to publish",
    ),
    "skill.unknown": ("未知技能：{code}", "unknown skill: {code}"),
    "skill.duplicate": ("技能重复：{code}", "skill listed twice: {code}"),
    "skill.not_offered": ("组织不提供该技能：{code}", "the organization does not offer this skill: {code}"),
    "community.unknown": ("找不到该社区，或不在您的管辖范围内", "no such community within your jurisdiction"),
    "cell.unknown": ("找不到该网格，或不在您的管辖范围内：{code}", "no such grid cell within your jurisdiction: {code}"),
    "organization.unknown": ("找不到该组织：{name}", "no such organization: {name}"),
    "duplicate": ("重复：{value}", "duplicate: {value}"),
    "duplicate_in_file": ("与第 {other_row} 行重复：{value}", "duplicates line {other_row}: {value}"),
    "duplicate_feature": ("与第 {other_row} 个要素重复：{value}", "duplicates feature {other_row}: {value}"),
    "coordinates.incomplete": ("经纬度须同时填写", "longitude and latitude go together"),
    "coordinates_out_of_range": ("经纬度超出范围", "the coordinates are out of range"),
    "coordinates_swapped": ("经纬度似乎填反了（纬度在前？）", "longitude and latitude look swapped"),
    "outside_china": ("坐标不在中国境内", "the point is not in China"),
    "outside_county": ("坐标离本县（市、区）太远，请检查", "the point is far outside the county; check it"),
    "outside_subdistrict": (
        "该位置不在您的街道（乡镇）的网格内；其他街道的地标请由该街道或区县管理员导入",
        "the point is not in a grid cell of your subdistrict; another subdistrict's landmarks are imported by it or the county",
    ),
    "landmark.not_yours": (
        "同名地标或道路在其他街道（乡镇），您不能移动它；请换个名称，或请区县管理员修改",
        "a landmark or road of this name lies in another subdistrict and you may not move it; name it otherwise or ask the county",
    ),
    "landmark_kind.unknown": ("类型应为 地标 或 道路（landmark / road）", "the kind must be 地标 or 道路 (landmark or road)"),
    "landmark_line.invalid": (
        "道路走向应为 2 到 200 个点，写作“经度 纬度; 经度 纬度”",
        "a road's course is 2 to 200 points, written “lon lat; lon lat”",
    ),
    "malformed_geojson": ("GeoJSON 格式有误：{detail}", "the GeoJSON is malformed: {detail}"),
    "not_geojson": ("不是 GeoJSON 要素或几何", "not a GeoJSON feature or geometry"),
    # a GeoJSON file refused as a whole (import-places)
    "geojson.not_json": ("文件不是有效的 JSON", "the file is not valid JSON"),
    "geojson.syntax": (
        "文件不是有效的 JSON：第 {line} 行第 {column} 列有误",
        "the file is not valid JSON: an error at line {line}, column {column}",
    ),
    "geojson.cut_short": (
        "文件在 JSON 结束前就结束了，内容不完整（是否没有复制或下载完？）",
        "the file ends before its JSON does: it is incomplete (copied or downloaded only in part?)",
    ),
    "geojson.extra_content": (
        "文件第 {line} 行第 {column} 列起还有多余内容（JSON 已在此前结束）",
        "extra content from line {line}, column {column} (the JSON ended before it)",
    ),
    "geojson.not_collection": (
        "文件不是 GeoJSON 要素集合（应为 FeatureCollection，要素在 features 列表中）",
        "the file is not a GeoJSON FeatureCollection (with its features in a features list)",
    ),
    "geojson.no_features": ("文件中没有要素", "the file has no features"),
    "geojson.too_deep": ("文件的 JSON 嵌套太深（最多 {limit} 层）", "the file's JSON nests too deeply (at most {limit} levels)"),
    "geojson.value_too_long": (
        "文件中有一个值超过 {limit} KB，没有哪一项能这么长",
        "the file holds a value longer than {limit} KB, more than any field can take",
    ),
    "geojson.lone_surrogate": (
        "文件含有无法保存的字符：不成对的代理字符 {escape}",
        "the file holds a character that cannot be stored: the unpaired surrogate {escape}",
    ),
    "geojson.changed": ("文件在导入过程中被修改，请重新导入", "the file changed during the import; import it again"),
    "file.missing": ("找不到文件：{path}", "no such file: {path}"),
    "file.not_regular": (
        "不是普通文件：{path}（目录、设备和管道不能导入）",
        "not a regular file: {path} (a directory, device or pipe cannot be imported)",
    ),
    "not_a_polygon": ("应为多边形（Polygon 或 MultiPolygon）", "must be a Polygon or MultiPolygon"),
    "empty_geometry": ("几何为空", "the geometry is empty"),
    "self_intersection_unrepairable": ("多边形自相交且无法修复", "the polygon intersects itself and cannot be repaired"),
    "too_few_points": ("多边形的点太少", "the polygon has too few points"),
    "invalid_coordinates": ("坐标无效", "the coordinates are not valid"),
    "csv.header_missing": ("CSV 缺少列：{columns}", "the CSV lacks column(s): {columns}"),
    "csv.header_unknown": ("CSV 中有无法识别的列：{columns}", "the CSV has column(s) the import does not know: {columns}"),
    "csv.header_duplicate": ("CSV 中同一列出现了两次：{columns}", "the CSV has the same column twice: {columns}"),
    "csv.encoding": ("无法识别文件编码（支持 UTF-8 与 GB18030/GBK）", "unknown encoding (UTF-8 and GB18030/GBK are read)"),
    "csv.empty": ("文件没有数据行", "the file has no data rows"),
    "csv.field_too_long": ("太长（超过 {limit} 个字符）", "is too long (over {limit} characters)"),
    "csv.unclosed_quote": (
        "引号没有闭合：从这一行开始的带引号的值到文件末尾都没有结束引号",
        "has an unclosed quote: the quoted value that starts on this line has no closing quote before the end of the file",
    ),
    "csv.stray_quote": (
        '引号位置不对：带引号的值在结束引号之后还有字符（值中的引号要写成两个：""）',
        'has a misplaced quote: a quoted value goes on after its closing quote (a quote inside a value is written twice: "")',
    ),
    "xlsx.header_missing": ("工作表缺少列：{columns}", "the sheet lacks column(s): {columns}"),
    "xlsx.header_unknown": ("工作表中有无法识别的列：{columns}", "the sheet has column(s) the import does not know: {columns}"),
    "xlsx.header_duplicate": ("工作表中同一列出现了两次：{columns}", "the sheet has the same column twice: {columns}"),
    "xlsx.unreadable": (
        "无法读取该 Excel 文件（须为 .xlsx 工作簿），请在 Excel 中另存为 .xlsx 或 CSV 后重试",
        "this is no Excel workbook that can be read (.xlsx); save it from Excel as .xlsx or CSV and retry",
    ),
    "xlsx.old_format": (
        "这是旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV 后重试",
        "this is an old .xls file; save it from Excel as .xlsx or CSV and retry",
    ),
    "xlsx.too_large": (
        "工作簿解压后太大（最多 {limit} MB），请分成几个文件导入",
        "the workbook is too large once unpacked (at most {limit} MB); import it in several files",
    ),
    "xlsx.too_many_rows": (
        "工作表行数太多（最多 {limit} 行），请分成几个文件导入",
        "the sheet has too many rows (at most {limit}); import it in several files",
    ),
    "xlsx.empty": (
        "工作表是空的：第 1 行应为列名，其后是数据",
        "the sheet is empty: row 1 should name the columns, the data below it",
    ),
    "xlsx.which_sheet": (
        "工作簿有多张工作表（{sheets}），请只保留要导入的一张，或将其命名为“{name}”",
        "the workbook has several sheets ({sheets}); keep only the one to import, or name it “{name}”",
    ),
    "xlsx.date": (
        "单元格 {cell} 被 Excel 当成了日期（{value}），该列应为文字：请把该列设为“文本”格式后重新输入",
        "Excel turned cell {cell} into a date ({value}); the column holds text: format it as Text and type it again",
    ),
    "xlsx.formula": (
        "单元格 {cell} 是公式，请复制后“选择性粘贴为数值”再导入",
        "cell {cell} holds a formula; copy it and paste it as values before importing",
    ),
    "certification.format": ("证书格式应为“技能:有效期至[:发证机构]”", "a certificate reads skill:expires[:issuer]"),
    "certification.expires_before_issued": (
        "证书有效期至 {expires_on}，早于或等于发证日期 {issued_on}",
        "the certificate expires on {expires_on}, not after it was issued on {issued_on}",
    ),
    "skills.format": ("技能格式应为“技能代码:人数”，以分号分隔", "skills read code:capacity, separated by semicolons"),
    "role.scope_missing": ("该角色需要指定管辖范围：{field}", "this role needs its jurisdiction: {field}"),
    "scope.unknown": ("找不到该管辖范围：{field} {value}", "no such {field}: {value}"),
    "incident.transition": ("突发事件{from}，不能{to}", "the incident is {from}; it cannot {to}"),
    "incident.not_active": (
        "突发事件{status}，不能再发布应急需求",
        "the incident is {status}; it takes no new emergency needs",
    ),
    "incident.not_recovering": (
        "突发事件{status}，不在恢复重建阶段，不能发布恢复重建任务",
        "the incident is {status}, not in recovery; it takes no recovery tasks",
    ),
    "recovery.not_recovery_work": ("这不是恢复重建任务的派单", "this is not recovery work"),
    "recovery.not_active": (
        "只有接单后、完成前可以报告进度（当前：{state}）",
        "progress is reported on work under way (it is {state})",
    ),
    "recovery.not_done": ("任务尚未完成（{state}），不能确认", "the task is not done ({state}); nothing to confirm"),
    "recovery.no_work_left": ("该需求没有剩余工作", "that need has no work left"),
    "recovery.already_task": ("该需求已转为恢复重建任务 {task}", "that need is recovery task {task} already"),
    "recovery.not_your_cell": ("只有该网格的网格员可以确认完成", "only the grid worker of the task's cell confirms it"),
    # drill scenarios (YAML) and drill runs
    "drill.too_large": ("演练脚本太长（最多 {limit} 个字符）", "the scenario is too long (at most {limit} characters)"),
    "drill.not_yaml": (
        "不是有效的 YAML：请检查这一行和上一行的缩进、冒号、引号和括号",
        "not valid YAML: {detail}",
    ),
    "drill.bad_value": (
        "这个值无法读取：带 !! 标记的值只能是文本、数字、true/false 或日期",
        "this value cannot be read: a value marked with !! must be text, a number, true/false or a date",
    ),
    # what kind of YAML mistake a plan or a scenario has (dispatch/domain/yaml_documents.py, YAML_MISTAKES)
    "yaml.tab": (
        "这一行用了制表符（Tab）缩进：YAML 只能用空格缩进",
        "this line is indented with a tab: YAML indents with spaces only",
    ),
    "yaml.bad_start": (
        "这一行的值以“{character}”开头，YAML 不允许：请给整个值加引号",
        "this value starts with “{character}”, which YAML does not allow: put the whole value in quotes",
    ),
    "yaml.colon": (
        "这一行多了冒号，或缩进不对：值中有“: ”时请给整个值加引号，同一层的键要上下对齐",
        "a colon too many, or a wrong indent: put a value holding “: ” in quotes, and line up the keys of one level",
    ),
    "yaml.no_colon": (
        "这一行缺少冒号：键和值之间应写“: ”（冒号后加一个空格）",
        "a colon is missing: write “: ” (a colon and a space) between a key and its value",
    ),
    "yaml.unclosed_quote": (
        "引号没有配对：从这里开始的引号直到文件末尾都没有结束",
        "a quote is not closed: the quote opened here runs to the end of the file",
    ),
    "yaml.unclosed_bracket": (
        "括号没有配对：[ 要用 ] 结束，{{ 要用 }} 结束，其中各项用逗号分隔",
        "a bracket is not closed: [ ends with ], {{ with }}, and the items between are separated by commas",
    ),
    "yaml.indentation": (
        "这一行的缩进不对：同一层的键和列表项（- ）要上下对齐",
        "this line's indent is wrong: the keys and the list items (- ) of one level line up",
    ),
    "yaml.escape": (
        "双引号中的反斜杠（\\）用法不对：要写反斜杠本身，请改用单引号",
        "a backslash (\\) in double quotes starts no valid escape: to write a backslash itself, use single quotes",
    ),
    "yaml.anchor_or_tag": (
        "以 &、* 或 ! 开头的值会被 YAML 另作解释：请给整个值加引号",
        "YAML reads a value starting with &, * or ! as something else: put the whole value in quotes",
    ),
    "yaml.block_scalar": (
        "| 或 > 之后应直接换行，多行文字从下一行开始并缩进",
        "after | or > the line ends: the lines of text follow, indented",
    ),
    "yaml.alias": (
        "不能使用锚点和别名（& 与 *）：以 & 或 * 开头的值请加引号",
        "anchors and aliases (& and *) are not allowed: put a value starting with & or * in quotes",
    ),
    "yaml.two_documents": (
        "一个文件只能写一份：请删去“---”或“...”之后的第二部分",
        "a file holds one document: remove the second part, after “---” or “...”",
    ),
    "yaml.no_value": ("这里缺少值：请在冒号或“- ”之后写上内容", "a value is missing here: write it after the colon or the “- ”"),
    "yaml.control_character": (
        "含有不能出现在文本里的控制字符 {character}，请删去",
        "holds a control character, {character}, that text cannot contain: remove it",
    ),
    "drill.empty": ("演练脚本是空的", "the scenario is empty"),
    "drill.not_mapping": ("此处应为“键: 值”的映射", "a mapping of keys and values is expected here"),
    "drill.unknown_key": ("不认识的键“{key}”，可用的键：{allowed}", "unknown key “{key}”; the keys are: {allowed}"),
    "drill.duplicate_key": ("键“{key}”出现了两次", "the key “{key}” is given twice"),
    "drill.too_deep": ("演练脚本嵌套太深", "the scenario nests too deeply"),
    "drill.alias": ("演练脚本中不能使用锚点和别名（& 与 *）", "anchors and aliases (& and *) are not allowed in a scenario"),
    "drill.missing": ("缺少“{key}”", "“{key}” is missing"),
    "drill.bad_title": ("标题应为非空文本", "the title must be text, not empty"),
    "drill.no_steps": ("steps 应为至少一步的列表", "steps must be a list of at least one step"),
    "drill.too_many_steps": ("步骤太多：{count} 步，最多 {max} 步", "too many steps: {count}, at most {max}"),
    "drill.bad_offset": (
        "时间“{value}”无效，应写作 0m、90s、5m 或 1h 这样带单位的时长",
        "“{value}” is no offset: write it with a unit, like 0m, 90s, 5m or 1h",
    ),
    "drill.offset_too_far": ("时间“{value}”超出了演练的最长时长 {max}", "“{value}” is past the longest drill, {max}"),
    "drill.out_of_order": (
        "步骤须按时间先后排列：这一步早于第 {previous} 步",
        "steps must be in time order: this one comes before step {previous}",
    ),
    "drill.step_without_need": ("这一步缺少 need（要发布的需求）", "this step has no need to post"),
    "drill.not_running": ("演练{status}，不能再推进或停止", "the drill is {status}; it can no longer be stepped or stopped"),
    "drill.no_steps_or_plan": (
        "演练脚本需要 steps（步骤）或 plan（要演练的预案），至少其一",
        "a scenario needs steps, or a plan to rehearse, or both",
    ),
    "drill.bad_plan": (
        "plan 应为预案的标题或编号（最多 {max} 个字符）",
        "plan must be a plan's title or id (at most {max} characters)",
    ),
    "drill.plan_at_without_plan": ("写了 plan_at 却没有写 plan（要演练的预案）", "plan_at is given but no plan to rehearse"),
    "drill.unknown_plan": ("找不到标题或编号为“{plan}”的有效预案", "no plan in force is titled “{plan}” or has that id"),
    "drill.ambiguous_plan": (
        "有 {count} 个预案的标题都是“{plan}”，请改写预案编号",
        "{count} plans are titled “{plan}”; name the plan by its id",
    ),
    # why a drill's need went unfilled (the drill report)
    "drill.why.no_candidates": (
        "没有可派单的组织（辖区内无此技能或无空余人手）",
        "no organization could be asked (none with the skill and people free in the area)",
    ),
    "drill.why.short": ("只有 {accepted}/{head_count} 人接单", "only {accepted} of {head_count} people accepted"),
    "drill.why.declined": ("{count} 个组织拒绝：{reasons}", "{count} organization(s) declined: {reasons}"),
    "drill.why.expired": ("{count} 个派单超时未答复", "{count} offer(s) ran out unanswered"),
    "drill.why.still_open": ("{count} 个派单尚未答复", "{count} offer(s) still unanswered"),
    "drill.why.exhausted": (
        "可派组织已全部问过，仍缺 {still_needed} 人（可选：{options}）",
        "every candidate was asked; {still_needed} still needed (next: {options})",
    ),
    # emergency plans (YAML) and starting some of their tasks
    "plan.too_large": ("预案太长（最多 {limit} 个字符）", "the plan is too long (at most {limit} characters)"),
    "plan.not_yaml": (
        "不是有效的 YAML：请检查这一行和上一行的缩进、冒号、引号和括号",
        "not valid YAML: {detail}",
    ),
    "plan.bad_value": (
        "这个值无法读取：带 !! 标记的值只能是文本、数字、true/false 或日期",
        "this value cannot be read: a value marked with !! must be text, a number, true/false or a date",
    ),
    "plan.blank": (
        "不能为空（只有空格或看不见的字符，如零宽空格，也算空）",
        "must not be empty (spaces or invisible characters, such as zero-width spaces, alone count as empty)",
    ),
    "plan.unknown_address": (
        "找不到地址“{value}”。相近的地名：{suggestions}",
        "no place is found for “{value}”. Close names: {suggestions}",
    ),
    "plan.unknown_address.no_suggestion": (
        "找不到地址“{value}”，也没有相近的地名：请写得更完整（如“某某路 12 号”），或改用网格、社区或地标",
        "no place is found for “{value}”, nor any close name: write it more fully (a road and a number), or give a grid"
        " cell, a community or a landmark",
    ),
    "plan.address_outside": (
        "地址“{value}”找到的是“{name}”，不在本预案可调度的范围内",
        "the address “{value}” is found as “{name}”, outside where this plan may mobilize",
    ),
    "plan.landmark_outside": (
        "地标“{value}”不在本预案可调度的范围内",
        "the landmark “{value}” is outside where this plan may mobilize",
    ),
    "plan.designated_lacks_skills": (
        "“{name}”没有本任务需要的技能：{skills_zh}，派单时不会问到它；请换一支队伍，或先在组织资料中加上该技能",
        "“{name}” does not offer this task's skill(s): {skills_en}, so it would never be asked; choose another team, or"
        " add the skill to its record first",
    ),
    "plan.empty": ("预案是空的", "the plan is empty"),
    "plan.not_mapping": ("此处应为“键: 值”的映射", "a mapping of keys and values is expected here"),
    "plan.unknown_key": ("不认识的键“{key}”，可用的键：{allowed}", "unknown key “{key}”; the keys are: {allowed}"),
    "plan.duplicate_key": ("键“{key}”出现了两次", "the key “{key}” is given twice"),
    "plan.too_deep": ("预案嵌套太深", "the plan nests too deeply"),
    "plan.alias": ("预案中不能使用锚点和别名（& 与 *）", "anchors and aliases (& and *) are not allowed in a plan"),
    "plan.missing": ("缺少“{key}”", "“{key}” is missing"),
    "plan.auto_start_below_level_i": (
        "只有 I 级（特别重大）预案可以自动启动；本预案从 {min_level} 级起适用",
        "only a level I plan may start by itself; this one covers level {min_level} and graver",
    ),
    "plan.no_tasks": ("tasks 应为至少一项任务的列表", "tasks must be a list of at least one task"),
    "plan.too_many_tasks": ("任务太多：{count} 项，最多 {max} 项", "too many tasks: {count}, at most {max}"),
    "plan.duplicate_task": ("任务名称“{name}”与第 {first} 项任务重复", "the task name “{name}” is task {first}'s already"),
    "plan.place_in_need": (
        "地点不写在 need 里：请把 {key} 写在任务的 place 下",
        "the place is not part of the need: write {key} under the task's place",
    ),
    "plan.no_place": ("place 应给出一种地点：{allowed}", "place must give one kind of place: {allowed}"),
    "plan.two_places": ("place 只能给出一种地点，这里给了：{kinds}", "place gives one kind of place, not several: {kinds}"),
    "plan.designated_repeated": (
        "“{name}”已列在第 {first} 位，指定队伍只问一次",
        "“{name}” is listed already, at {first}; a designated organization is asked once",
    ),
    "plan.unknown_cell": ("找不到网格编码“{value}”", "no grid cell has the code “{value}”"),
    "plan.unknown_community": ("找不到社区编码“{value}”", "no community has the code “{value}”"),
    "plan.unknown_landmark": ("找不到名为“{value}”的地标或道路", "no landmark or road is called “{value}”"),
    "plan.ambiguous_landmark": (
        "有多个名为“{value}”的地标，无法确定是哪一个",
        "several landmarks are called “{value}”; which one is meant cannot be told",
    ),
    "plan.unknown_organization": ("辖区内没有名为“{name}”的组织", "no organization in the area is called “{name}”"),
    "plan.ambiguous_organization": (
        "辖区内有多个名为“{name}”的组织，无法确定指定的是哪一个",
        "several organizations in the area are called “{name}”; which one is meant cannot be told",
    ),
    "plan.not_covering": (
        "该预案不适用于此事件（{category}，{level} 级），或已停用",
        "this plan does not cover this incident ({category}, level {level}), or is no longer in force",
    ),
    "plan.no_task_chosen": ("请至少选择一项任务", "choose at least one task"),
    "plan.unknown_task": ("预案中没有任务“{task}”", "the plan has no task “{task}”"),
    "plan.task_chosen_twice": ("任务“{task}”选了两次", "the task “{task}” is chosen twice"),
    "warning.unknown_reference": (
        "找不到此更新或解除所指的预警（{references}）：请先导入原预警",
        "the warning this update or cancel refers to ({references}) was never read: read the original alert first",
    ),
    "warning.outside_county": ("预警范围（{area}）不在本区县内", "the warning's area ({area}) is not in this county"),
    "warning.outside_subdistrict": ("预警范围（{area}）不在本街道内", "the warning's area ({area}) is not in your subdistrict"),
    "warning.shapes_outside_county": (
        "预警的多边形或圆形（{shapes}）不在本区县内",
        "the warning's polygon or circle ({shapes}) is not in this county",
    ),
    "warning.shapes_outside_subdistrict": (
        "预警的多边形或圆形（{shapes}）不在本街道内",
        "the warning's polygon or circle ({shapes}) is not in your subdistrict",
    ),
    "warning.left_out": (
        "预警范围超出本街道的部分（{subdistricts}）未读入，请区县管理员导入",
        "the part of the warning's area outside your subdistrict ({subdistricts}) was not read in: "
        "ask the county's administrators to read the file",
    ),
    "warning.already_ended": (
        "该预警已结束（已解除、撤销或过期），无需再解除",
        "this warning has ended already (lifted, cancelled or expired): there is nothing to lift",
    ),
    "standby.ended": ("该预警已结束，无需再回复备勤人数", "the warning has ended: no standby answer is needed now"),
    "standby.bad_ready": ("可出动人数应为 0 到 {most}", "the people ready must be 0 to {most}"),
    "standby.over_team": (
        "超过本队登记的人数（{most} 人）：可出动人数应为 0 至 {most}",
        "more than the team has registered ({most} people): the people ready must be 0 to {most}",
    ),
    "standby.unreadable.sms": (
        "未能识别备勤回复：请回复“备勤 人数”，人数为 0 至 {most} 的整数。",
        "Standby reply not understood: reply READY and a whole number from 0 to {most}, e.g. READY 3.",
    ),
    "standby.over_team.sms": (
        "可出动人数超过本队登记的人数（{most} 人）：请回复“备勤 人数”，人数为 0 至 {most} 的整数。",
        "More people than your team has registered ({most}): reply READY and a whole number from 0 to {most}.",
    ),
    "standby.throttled": (
        "{n} 支队伍 5 分钟内刚收到过备勤询问，本次未再发短信",
        "{n} team(s) were asked less than 5 minutes ago and were not texted again",
    ),
    "plan.newer_version": (
        "这份预案在你修改期间已被保存为第 {version} 版，你的修改（基于第 {based_on} 版）没有保存：请先看新版本再改",
        "version {version} of this plan was saved while you edited version {based_on}; your change was not kept: "
        "look at the new version, then make it again",
    ),
    "plan.edited_meanwhile": (
        "这份预案刚被别人修改并保存，请重新打开后再改",
        "someone saved this plan a moment ago: open it again and make your change there",
    ),
    "plan.place_outside": ("地点不在本预案可调度的网格内", "the place is not in a grid cell this plan may mobilize in"),
    "warning.not_actual": (
        "这是一条{status}预警（非实际预警），不导入、不询问备勤",
        "this is a {status} alert, not an actual one: it is not read in and no one is asked",
    ),
    "warning.cancelled_before": ("该预警已解除，不能再更新", "this warning was cancelled: it cannot be updated"),
    "warning.bad_validity": (
        "预警的失效时间须晚于生效时间，且不超过 {days} 天",
        "a warning must end after it starts, within {days} days",
    ),
    "warning.too_many_shapes": (
        "预警范围的图形太多（最多 {most} 个）",
        "the warning's area has too many shapes (at most {most})",
    ),
    "warning.not_yours": (
        "这条预警涉及其他街道，只能由区县管理员处理",
        "this warning covers other subdistricts: only the county's administrators may act on it",
    ),
    "warning.unknown_subdistricts": ("本区县没有这些街道：{value}", "this county has no such subdistricts: {value}"),
    "warning.own_subdistrict": (
        "街道值班人员只能发布本街道的预警，全区县或其他街道的预警请区县管理员发布",
        "a subdistrict's duty officer enters warnings for their own subdistrict only: the county's administrators enter the others",
    ),
    "warning.over": ("该预警已结束，不再询问备勤", "the warning has ended: no team is asked any more"),
    "plan.county_plan": ("区县的预案只能由区县管理员修改", "only the county's administrators may change a county plan"),
    # CAP warnings (dispatch/domain/plans/cap.py, warning_types.py)
    "cap.too_large": ("预警文件太大（最多 {limit} 字节）", "the warning file is too large (at most {limit} bytes)"),
    "cap.not_xml": (
        "预警文件不是有效的 XML（第 {line} 行第 {column} 列）",
        "the warning file is not valid XML (line {line}, column {column})",
    ),
    "cap.encoding": (
        "预警文件的编码 {encoding} 无法读取，请使用 UTF-8 或 GB18030",
        "the warning file's encoding {encoding} cannot be read; use UTF-8 or GB18030",
    ),
    "cap.entities": (
        "预警文件含有文档类型声明或实体（DTD），为安全起见不予读取",
        "the warning file declares a document type or entities (a DTD); for safety it is not read",
    ),
    "cap.not_cap": (
        "不是 CAP 预警：根元素应为 CAP 1.2 的 alert，实为 {root}",
        "not a CAP warning: the root element must be a CAP 1.2 alert, not {root}",
    ),
    "cap.missing": ("预警缺少“{element}”", "the warning has no “{element}”"),
    "cap.too_long": (
        "预警的“{element}”太长（{length} 个字符，最多 {most} 个）",
        "the warning's “{element}” is too long ({length} characters, at most {most})",
    ),
    "cap.bad_time": (
        "时间“{value}”无效，应写明与协调世界时的时差，如 2026-09-14T10:30:00+08:00",
        "the time “{value}” is not valid; it must carry its UTC offset, as in 2026-09-14T10:30:00+08:00",
    ),
    "cap.bad_value": (
        "“{element}”的值“{value}”无效，可用的值：{allowed}",
        "“{value}” is not a valid {element}; the values are: {allowed}",
    ),
    "cap.bad_reference": (
        "引用“{value}”无效，应为“发送者,标识,发送时间”",
        "the reference “{value}” is not valid; it must be “sender,identifier,sent”",
    ),
    "cap.bad_polygon": (
        "多边形无效：应至少有 4 个“纬度,经度”点，首尾相同，坐标在地球范围内，且边不自相交",
        "the polygon is not valid: it needs at least 4 “lat,lon” points, the last the same as the first, all on the Earth, its edges not crossing",
    ),
    "cap.bad_circle": (
        "圆形区域无效：应为“纬度,经度 半径”，半径以公里计，在 0 到 {max_km} 之间",
        "the circle is not valid: it must be “lat,lon radius”, the radius in kilometres from 0 to {max_km}",
    ),
    "cap.no_info": ("预警没有信息段（info），看不出预警的内容", "the warning has no info block, so it says nothing"),
    "cap.no_area": ("预警没有说明影响区域（area）", "the warning does not say where it applies (no area)"),
    "cap.cancel_without_reference": (
        "更新或解除预警须引用原预警（references）",
        "an update or cancellation must name the warning it replaces (references)",
    ),
    "cap.unknown_event": (
        "无法识别预警事件“{event}”，它也不属于气象、地质或环境类，请人工判断",
        "the warning's event “{event}” is not one we know, and it is not filed under Met, Geo or Env; decide by hand",
    ),
    "duty.until_past": ("休息截止时间须晚于现在：{until}", "off duty until must be a time still to come: {until}"),
    "duty.until_on_duty": ("只有设为休息的队员才填截止时间", "until is only for members going off duty"),
    "window.order": ("结束时间须晚于开始时间", "the window must end after it starts"),
    "location.outside_jurisdiction": (
        "地点不在本次事件可调度的网格内",
        "the place is not in a grid cell this incident may dispatch to",
    ),
    "location.missing": ("请给出地点：坐标或地址", "give a place: a point or an address"),
    "address.not_found": ("找不到该地址。相近的地名：{suggestions}", "address not found. Close names: {suggestions}"),
    "address.not_found.no_suggestion": (
        "找不到该地址，也没有相近的地名；请在地图上点选位置，或填写经纬度",
        "address not found, and no place name comes close; click the place on the map or give its coordinates",
    ),
    "head_count.too_many": (
        "接受 {asked} 人超过了尚缺的 {still_needed} 人",
        "{asked} people is more than the {still_needed} still needed",
    ),
    "offer.not_open": ("该派单{state}，不能再接受或拒绝", "this offer is {state}; it can no longer be answered"),
    "need.not_open": ("该需求{status}，不再派单", "this need is {status}; it takes no more offers"),
    "idempotency_key.reused": (
        "此幂等键（Idempotency-Key）已用于另一次发布：请换一个新键",
        "this Idempotency-Key was used for another post: send a new key",
    ),
    "offer.already_made": ("该组织手上已有此单", "that organization already holds an open offer or job for this need"),
    "head_count.over_capacity": (
        "接受 {asked} 人超过了本组织现有空余的 {free} 人",
        "{asked} people is more than the {free} your organization has free",
    ),
    "radius.not_wider": (
        "新的范围须大于当前的 {current} 公里",
        "the new radius must be wider than the current {current} km",
    ),
    "organization.not_candidate": (
        "该组织不符合条件（不在辖区、已暂停、缺少技能或无空余人手）",
        "that organization is not a candidate (outside the area, suspended, lacking the skill or with no one free)",
    ),
    "assignment.transition": ("{state}不能{action}", "{state} cannot {action}"),
    "assignment.changed": ("该派单刚被他人改动，请刷新", "someone changed this assignment just now; reload"),
    "cell.overlaps": ("与已有网格 {code} 重叠", "overlaps the existing grid cell {code}"),
    "username.taken": ("用户名已存在", "the username is taken"),
    "password.too_short": ("密码至少 {min_length} 位", "the password needs at least {min_length} characters"),
    "password.few_classes": (
        "密码须包含小写字母、大写字母、数字、其他字符（标点、空格、汉字等）中的至少 {min_classes} 类",
        "the password needs at least {min_classes} of: lower-case letters, capitals, digits, other characters",
    ),
    "password.contains_username": ("密码不能包含用户名", "the password must not contain the username"),
    "password.wrong_current": ("当前密码不正确", "the current password is wrong"),
    "password.mismatch": ("两次输入的新密码不一致", "the two new passwords differ"),
    "password.reused": ("新密码不能与最近 {count} 次用过的密码相同", "the new password must not be one of your last {count}"),
    # duty group robots (dispatch/schemas/duty_groups.py)
    "duty_group.platform": ("请选择钉钉或企业微信", "choose DingTalk or WeCom"),
    "duty_group.name": ("请填写群名称（最多 100 字）", "give the group's name (at most 100 characters)"),
    "duty_group.webhook_dingtalk": (
        "这不是钉钉自定义机器人的 Webhook 地址：请从机器人设置中完整复制，以 https://oapi.dingtalk.com/robot/send?access_token= 开头",
        "this is not a DingTalk custom robot's webhook address: copy it whole from the robot's settings; it starts with https://oapi.dingtalk.com/robot/send?access_token=",
    ),
    "duty_group.webhook_wecom": (
        "这不是企业微信群机器人的 Webhook 地址：请从机器人详情中完整复制，以 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key= 开头",
        "this is not a WeCom group robot's webhook address: copy it whole from the robot's details; it starts with https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=",
    ),
    "duty_group.secret_missing": (
        "钉钉机器人须使用“加签”安全设置：请填写以 SEC 开头的密钥",
        "a DingTalk robot must use the “signature” security setting: give its secret, which starts with SEC",
    ),
    "duty_group.secret_invalid": (
        "加签密钥应以 SEC 开头，只含字母和数字",
        "the signing secret starts with SEC and holds only letters and digits",
    ),
    "duty_group.too_many_phones": ("最多 @ {limit} 个手机号", "at most {limit} phones can be mentioned"),
    "duty_group.taken": (
        "这个机器人已经登记过了（本单位或其他单位），同一个机器人只能登记一次，否则每条消息会发两遍；请在群里另建一个机器人",
        "this robot is registered already (here or by another office); a robot can be registered once, or every notice would go twice: add another robot to the group",
    ),
    "duty_group.phone_not_mainland": (
        "钉钉只能按中国大陆手机号 @ 成员：请填写 +86 的手机号",
        "DingTalk mentions members by mainland China mobile numbers only: give +86 mobiles",
    ),
    # provider pushes (Aliyun's delivery reports and SMS replies)
    "push.not_a_list": ("推送内容须为 JSON 数组（最多 {most} 项）", "A push must be a JSON array of at most {most} items"),
    "push.item_fields": ("第 {index} 项的字段缺失或格式不对：{fields}", "Item {index} lacks {fields}, or one is not of its kind"),
}


# conflict codes that mean "this exists already"; every other conflict is a state that forbids the action
DUPLICATES = frozenset(
    {"duplicate", "duplicate_in_file", "duplicate_feature", "username.taken", "offer.already_made", "recovery.already_task"}
)

# a code whose list parameter came out empty reads as its own sentence ("找不到该地址，也没有相近的地名 ...")
WHEN_EMPTY = {
    "address.not_found": ("suggestions", "address.not_found.no_suggestion"),
    "plan.unknown_address": ("suggestions", "plan.unknown_address.no_suggestion"),
}


def message(code: str, language: str, /, **params: Any) -> str:
    """The message for a code in ``zh`` or ``en``, states and actions in words; unknown codes fall back to the code."""
    zh, en = MESSAGES.get(_variant(code, params), (code, code))
    template = en if language == "en" else zh
    try:
        return template.format(**worded(code, params, language))
    except (KeyError, IndexError):
        return template


def _variant(code: str, params: dict[str, Any]) -> str:
    if code.endswith(".not_yaml") and f"yaml.{params.get('kind')}" in MESSAGES:  # the kind of mistake, in words
        return f"yaml.{params['kind']}"
    name, variant = WHEN_EMPTY.get(code, (None, code))
    return variant if name and str(params.get(name) or "").strip(" —-、,") == "" else code
