"""Name lists for the demo district: people, places and kinds of organization.

Kept apart from the generator so the word lists can grow without touching the logic.
"""

from __future__ import annotations

MOBILE_PREFIXES = (
    "138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "187",
    "188", "182", "183", "178", "177", "173", "133", "153", "180", "189",
)  # fmt: skip

# Subdistricts of 西湖区: (code, name, pinyin, (west, south, east, north), communities).
SUBDISTRICT_ROWS: tuple[tuple[str, str, str, tuple[float, ...], tuple[str, ...]], ...] = (
    ("330106002", "北山街道", "Beishan", (120.140, 30.255, 120.165, 30.275),
     ("松木场社区", "宝石社区", "保俶社区", "曙光社区")),
    ("330106003", "灵隐街道", "Lingyin", (120.125, 30.255, 120.140, 30.285),
     ("玉泉社区", "东山弄社区", "金祝社区", "黄龙社区", "西山社区")),
    ("330106004", "西溪街道", "Xixi", (120.140, 30.275, 120.165, 30.305),
     ("求是社区", "庆丰社区", "文三社区", "花园社区", "学军社区")),
    ("330106005", "翠苑街道", "Cuiyuan", (120.120, 30.285, 120.140, 30.305),
     ("翠苑一区社区", "翠苑二区社区", "翠苑三区社区", "翠苑四区社区", "翠苑五区社区",
      "九莲社区")),
    ("330106006", "文新街道", "Wenxin", (120.095, 30.285, 120.120, 30.305),
     ("德加社区", "益乐社区", "文鼎苑社区", "丰潭社区", "竞舟社区")),
    ("330106007", "古荡街道", "Gudang", (120.095, 30.255, 120.125, 30.285),
     ("嘉绿苑社区", "华星社区", "马塍路社区", "古荡湾社区", "学院路社区")),
    ("330106008", "西湖街道", "Xihu", (120.125, 30.190, 120.170, 30.255),
     ("茅家埠社区", "龙井村", "梅家坞村", "满觉陇村", "翁家山村", "双峰村")),
    ("330106009", "留下街道", "Liuxia", (120.040, 30.220, 120.125, 30.255),
     ("留下社区", "屏峰社区", "小和山社区", "东穆坞村")),
    ("330106010", "转塘街道", "Zhuantang", (120.040, 30.150, 120.125, 30.220),
     ("转塘社区", "象山社区", "长埭村", "上城埭村", "村口村")),
    ("330106011", "蒋村街道", "Jiangcun", (120.040, 30.255, 120.095, 30.305),
     ("蝶园社区", "西溪里社区", "竞渡社区", "府苑社区", "仕林社区", "蒋村花园社区")),
    ("330106108", "三墩镇", "Sandun", (120.040, 30.305, 120.140, 30.360),
     ("三墩社区", "西园社区", "兰里村", "绕城村", "双桥村")),
    ("330106109", "双浦镇", "Shuangpu", (119.980, 30.090, 120.125, 30.150),
     ("回龙社区", "袁浦社区", "铜鉴湖村", "灵山村", "双灵村", "小江村")),
)  # fmt: skip


# Common surnames, roughly most frequent first; the generator weights them by position.
SURNAMES: tuple[str, ...] = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
    "袁潘蒋蔡余杜叶程沈魏吕丁任姚卢傅钟汪金陆俞方楼应孔章毛邵施"
)

GIVEN_CHARS: tuple[str, ...] = tuple(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国志红文玉兰海波辉鹏宇浩晨"
    "欣怡佳婷雪梅琳颖晓俊峰斌林慧燕萍丹莉凤荣春金宁健亮飞宏翔琪嘉思雨涵子睿轩博"
    "诗悦昊梓晴琴珍美凯云新永德良成兵彤瑶雯倩蕾薇露婉晶洁庆祥福寿康安民利根水"
)

# Short place names an organization may be named after, by subdistrict.
LANDMARKS: dict[str, tuple[str, ...]] = {
    "北山街道": ("北山", "宝石山", "保俶"),
    "西溪街道": ("西溪", "文三", "求是"),
    "灵隐街道": ("灵隐", "黄龙", "玉泉"),
    "翠苑街道": ("翠苑", "文一", "九莲"),
    "文新街道": ("文新", "丰潭", "益乐"),
    "古荡街道": ("古荡", "古墩", "华星"),
    "西湖街道": ("西湖", "龙井", "梅家坞"),
    "留下街道": ("留下", "小和山", "屏峰"),
    "转塘街道": ("转塘", "之江", "龙坞"),
    "蒋村街道": ("蒋村", "西溪湿地", "五常港"),
    "三墩镇": ("三墩", "紫金港", "兰里"),
    "双浦镇": ("双浦", "袁浦", "灵山"),
}

# (name suffix, skills it plausibly offers; the first is its main one).
ORG_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("应急救援队", ("rescue", "first_aid", "logistics", "communications")),
    ("红马甲应急救援队", ("rescue", "first_aid", "logistics", "patrol_security")),
    ("防汛抢险队", ("rescue", "logistics", "communications", "shelter_management")),
    ("平安巡防队", ("patrol_security", "mediation", "communications")),
    (
        "邻里互助志愿服务队",
        ("logistics", "elderly_care", "sanitation", "shelter_management"),
    ),
    ("红马甲志愿服务队", ("logistics", "sanitation", "patrol_security", "first_aid")),
    ("老年协会", ("elderly_care", "logistics")),
    ("助老服务社", ("elderly_care", "disability_support", "psychological_support")),
    ("调解工作室", ("mediation", "legal_aid", "legal_publicity")),
    ("和事佬协会", ("mediation", "legal_publicity")),
    ("心理服务社", ("psychological_support", "mediation")),
    ("助残服务社", ("disability_support", "elderly_care", "logistics")),
    ("亲子托育服务社", ("childcare", "logistics")),
    ("巾帼志愿服务队", ("childcare", "elderly_care", "sanitation", "logistics")),
    ("普法宣传队", ("legal_publicity", "legal_aid", "mediation")),
    ("法律服务志愿队", ("legal_aid", "legal_publicity", "mediation")),
    ("医护志愿服务队", ("medical", "first_aid", "psychological_support")),
    ("红十字救护队", ("first_aid", "medical", "logistics")),
    ("环境卫生志愿队", ("sanitation", "logistics")),
    ("应急通信保障队", ("communications", "logistics", "rescue")),
    ("物资保障志愿队", ("logistics", "shelter_management", "sanitation")),
    (
        "党员先锋服务队",
        ("patrol_security", "logistics", "shelter_management", "sanitation"),
    ),
    ("青年志愿者服务队", ("logistics", "first_aid", "communications", "sanitation")),
    ("安置点服务队", ("shelter_management", "logistics", "elderly_care")),
)

# Who issues the certificate for each skill that needs one, and for how many years it is valid.
CERTIFICATE_ISSUERS: dict[str, tuple[tuple[str, int], ...]] = {
    "rescue": (("西湖区应急管理局", 3), ("杭州市应急管理局", 3)),
    "first_aid": (("杭州市红十字会", 3), ("浙江省红十字会", 3)),
    "medical": (("杭州市卫生健康委员会", 5), ("浙江省卫生健康委员会", 5)),
    "psychological_support": (("浙江省心理卫生协会", 3), ("杭州市心理卫生协会", 3)),
    "communications": (("中国无线电协会", 5), ("西湖区应急管理局", 3)),
}
