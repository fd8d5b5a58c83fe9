"""Data tables of ``ingest.pii.chinese`` and ``ingest.pii.addresses``: Chinese surnames,
words that begin with a surname character, places."""

from __future__ import annotations

CN_PLACES = (
    "北京|上海|天津|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|"
    "广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|"
    "深圳|广州|杭州|南京|苏州|成都|武汉|西安|长沙|郑州|青岛|厦门|宁波|大连|沈阳|哈尔滨|济南|"
    "合肥|福州|昆明|无锡|东莞|佛山|珠海|石家庄|长春|南昌|贵阳|南宁|太原|兰州|乌鲁木齐|呼和浩特"
)


CN_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦"
)
CN_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "司徒",
    "夏侯",
)

_SURNAME = "(?:" + "|".join(CN_COMPOUND_SURNAMES) + f"|[{CN_SURNAMES}])"
# Common words that begin with a surname character and stand where a name could
# (由高级经理审批, 请安全主管确认, 文档专员, 由董事长批准, 请马上处理).
CN_NON_NAME_WORDS = (  # noqa: SIM905
    "高级 高层 安全 安保 文档 文案 文件 方案 常务 常驻 金融 黄金 程序 史料 许可 于是 万能 关键 "
    "向导 龙头 康复 申请 章程 顾问 董事 马上 严格 毛利"
).split()
# Words that are also names (王国, 黎明, 金华 …): no name when nothing but a table cell or a
# list says so, a name after a cue word (员工王国).
CN_WORDS_AND_NAMES = (  # noqa: SIM905
    "高兴 文明 文艺 王国 黎明 白雪 白云 金华 安康 安宁 向阳 常青 林立 石英 朱红 温馨 李子 孙子 叶子"
).split()
