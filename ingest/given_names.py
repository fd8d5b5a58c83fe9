"""Name lexicons for ``ingest.deidentify`` and ``ingest.recognizers``, lower-cased.

``GIVEN_NAMES`` tells a person that spaCy's small model mislabelled as an organisation
("Priya Raman" -> ORG) from a product or company name ("Google Workspace" -> ORG).
"""

from __future__ import annotations

GIVEN_NAMES = frozenset(
    """
    aaron abdul abdullah abigail adam adebayo adriana adrian ahmed aisha akira alan albert alejandro
    alex alexander alexandra alexei ali alice alicia amara amanda amelia amina amir amit ana anahita
    andrea andreas andrew andrzej angela angelo anil anita ankit anna anne anthony antonio anya arjun
    arthur ayesha barbara beatriz ben benjamin bernard beth bianca bilal bob brian bruno camila
    carl carla carlos carmen caroline catherine charles charlotte chen chiara chidi chinedu chloe chris
    christian christina christopher claire clara daniel daniela david deborah deepak dennis diana diego
    dmitri dominic donald dorothy edward elena elif elizabeth ella emily emma eric erik ethan eva fatima
    felipe fernando fiona francesca francisco frank fredrik gabriel gabriela gareth george giulia
    giuseppe grace greg hannah hans harper harry hassan heather helen henrik henry hiroshi hugo ian
    ibrahim igor ingrid irene isaac isabel isabella ivan jack jacob james jamal jan jane janet jasmine
    jason javier jennifer jessica jin joan joao joe johan johannes john jonathan jorge jose joseph joshua
    juan julia julian julie jun karen karim katarina kate katherine kenji kevin khalid kim kofi kwame
    lars laura lauren lea leila leon leonardo li liam lily linda lisa lucas lucia luis luka lukas
    magdalena mahmoud maria mariam marie mario mark marta martin mary mateo matteo matthew maya mehmet
    mei melissa mia michael michelle miguel mikhail ming mohamed mohammed monica mustafa nadia naomi
    natalia nathan nicholas nicole nikolai nina noah nora olga olivia olumide omar oscar pablo patricia
    patrick paul paula pedro peter philip pierre pooja priya rachel rahul raj rajesh ravi rebecca
    ricardo richard robert roberto rosa ryan sakura samuel sandra sanjay sara sarah sean sebastian
    sergei sofia sophie stefan stephanie steven sunil susan takeshi tanya thomas tim timothy tom tomas
    valentina vanessa victor victoria vikram vincent walter wei william xavier yan yasmin yuki yusuf
    zainab zara zhang zoe
    """.split()
)

# Characters common in Chinese given names. ``ingest.recognizers`` accepts a name with no cue
# word before it (a table cell, a list item) only when the characters after the surname are
# among these. Left out on purpose: numerals (周一, 周五) and characters that mostly make
# ordinary words after a surname character (中 天 心 家 生 成 新 学 元 光 山 正 可 全).
CN_GIVEN_NAME_CHARS = frozenset(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文海波晓雪梅琳"
    "鹏辉婷慧颖佳倩莉燕萍玲丹凤洁琴云飞斌宁峰龙阳林荣清鑫亮宏晨振健永福德金春"
    "昊泽睿博瑞航铭宸彤雨婉淑珍翠莹蕾薇璐瑶琪萌悦妍馨露蓉菲媛爽楠迪冰晶秋冬兵"
    "锋彬鸿豪毅诚帆凯坤江立武旭昌盛兴宝友仁义礼智忠孝康乐顺祥美凡舒畅宇耀继庆"
    "喜泉松柏竹菊荷莲芝芬香艺娇妮娅璇雯霖杉桐欣语梦晴彩虹岚烨煜炜哲恒逸骏腾翔"
    "鹤鸣凌霄峻伦奇钰琦瑾瑜珊韵子涵浩然梓萱诺轩怡嘉思远俊根贵良庭保霆晟皓楷熙"
    "瑄琰璟娟婕媚蓓茜倩玮琛珂璋颢奕湘沁澜茹蔚"
)

# Words that are never part of a personal name but that spaCy's small model and the label
# patterns take for one in policy text: headings and team names ("Security Team", "Approval
# Thresholds", "Grace Period", "Owner: People Team"), a contract's parties ("Licensor"), and in
# software documentation its head nouns and vendors ("Rich Toolkit", "Apache Kudu", "Debian
# Sarge": chosen on the dev prose of benchmarks/pii_business_prose.py, 18 of its 42 false
# people removed and no name lost there or in the outside-written PII texts).
NOT_NAME_PARTS = frozenset(
    """team teams department dept committee council office services service program programme
    policy policies portal platform workspace checklist threshold thresholds assistance support
    center centre period inc ltd llc corp corporation company group tool tools receipt receipts
    contract contracts account accounts report reports guest starter license licence licensor
    licensors licensee licensees lessor lessee landlord tenant borrower lender grantor grantee
    assignor assignee bot bots chatbot toolkit sdk framework frameworks protobuf metadata
    distribution distributions codec codecs plugin plugins apache atlassian debian ubuntu""".split()  # noqa: SIM905
)
# A single word right after one of these is a place one works in, not a person ("booked in
# Navan", "blocked in Okta", "report it through Jira"), and one right before one of the
# product nouns is a product ("the Robin app", "your Okta account").
TOOL_PREPOSITIONS = frozenset("in into through via using".split())  # noqa: SIM905
PRODUCT_NOUNS = frozenset(
    "app apps account accounts button portal platform plan tool console dashboard client license licence subscription extension plugin".split()  # noqa: SIM905
)
# A role or label word spaCy sometimes takes into the name after it ("Employee D. Nguyen",
# "Name: Jane Doe"), or tags alone (the table header "Email").
ROLE_WORDS = frozenset(
    "employee customer applicant manager director contact attn name email e-mail phone".split()  # noqa: SIM905
)
