#!/usr/bin/env python3
"""Generate the data of kg's benchmark (standard library only, deterministic).

    bench/gen.py OUTDIR [--ontology PATH] [--corpora 10,100] [--seed N]

writes into OUTDIR:

  rules/entities.ttl    gazetteer: 20,000 entities (organisations, persons,
                        models, products) with 2-4 aliases each, plus the
                        stances e:OpenSource and e:ClosedSource
  rules/ontology.ttl    a copy of the project's rules/ontology.ttl
  aliases.txt           every alias of entities.ttl, one a line (grep -F -f)
  rules10/ rules100/ rules1000/
                        entities.ttl and ontology.ttl (symlinks) and one
                        bench.rules with 10, 100 and 1,000 rules
  corpus10/ corpus100/  news-like documents (2-20 KB each, ~70% Chinese,
                        ~30% English) of 10 MB and 100 MB

All names, templates and filler text are synthetic and written for this
benchmark.  The rules are built from *families* (one phrasing shape each,
e.g. "ORG <gap> VERB <gap> MODEL"); a family's first rule uses its common
verbs, further rules use other verb literals (adverb + verb, "发布了第N版").
The corpus states facts with the same families and verbs, so each bigger
rule set finds more facts in the same text.
"""

import argparse
import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)
SEED = 20240611
N_ORG, N_PER, N_MOD, N_PRO = 6000, 6000, 5000, 3000

# ---------------------------------------------------------------- names

# (character, pinyin) pairs for Chinese brand names.
BRAND = [
    ("星", "xing"), ("海", "hai"), ("云", "yun"), ("智", "zhi"), ("联", "lian"),
    ("创", "chuang"), ("腾", "teng"), ("飞", "fei"), ("达", "da"), ("讯", "xun"),
    ("天", "tian"), ("恒", "heng"), ("瑞", "rui"), ("博", "bo"), ("信", "xin"),
    ("泰", "tai"), ("鸿", "hong"), ("锐", "rui"), ("思", "si"), ("灵", "ling"),
    ("光", "guang"), ("启", "qi"), ("明", "ming"), ("远", "yuan"), ("景", "jing"),
    ("宇", "yu"), ("盛", "sheng"), ("芯", "xin"), ("图", "tu"), ("知", "zhi"),
    ("源", "yuan"), ("睿", "rui"), ("晨", "chen"), ("极", "ji"), ("微", "wei"),
    ("深", "shen"), ("衡", "heng"), ("澜", "lan"), ("峰", "feng"), ("川", "chuan"),
    ("凌", "ling"), ("航", "hang"), ("拓", "tuo"), ("卓", "zhuo"), ("越", "yue"),
    ("融", "rong"), ("汇", "hui"), ("奥", "ao"), ("谷", "gu"), ("蓝", "lan"),
    ("铭", "ming"), ("曜", "yao"), ("昆", "kun"), ("鲲", "kun"), ("墨", "mo"),
    ("磐", "pan"), ("乾", "qian"), ("坤", "kun"), ("燧", "sui"), ("澄", "cheng"),
]
ORG_SUFFIX = [("科技", "Technology"), ("科技", "Tech"), ("智能", "AI"),
              ("智能", "Intelligence"), ("研究院", "Research Institute"),
              ("数据", "Data"), ("网络", "Networks"), ("实验室", "Lab"),
              ("集团", "Group"), ("云计算", "Cloud Computing")]
SURNAME = [
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
    ("杨", "Yang"), ("黄", "Huang"), ("赵", "Zhao"), ("周", "Zhou"), ("吴", "Wu"),
    ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"),
    ("郭", "Guo"), ("何", "He"), ("林", "Lin"), ("高", "Gao"), ("罗", "Luo"),
    ("郑", "Zheng"), ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"), ("唐", "Tang"),
    ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"), ("彭", "Peng"),
    ("曾", "Zeng"), ("肖", "Xiao"), ("田", "Tian"), ("董", "Dong"), ("潘", "Pan"),
    ("袁", "Yuan"), ("蒋", "Jiang"), ("蔡", "Cai"), ("余", "Yu"), ("杜", "Du"),
    ("叶", "Ye"), ("程", "Cheng"), ("魏", "Wei"), ("苏", "Su"), ("吕", "Lyu"),
    ("丁", "Ding"), ("沈", "Shen"), ("姚", "Yao"), ("卢", "Lu"), ("钟", "Zhong"),
]
GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
    ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("涛", "tao"), ("明", "ming"),
    ("超", "chao"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("婷", "ting"),
    ("浩", "hao"), ("宇", "yu"), ("鹏", "peng"), ("晨", "chen"), ("欣", "xin"),
    ("博", "bo"), ("凯", "kai"), ("睿", "rui"), ("航", "hang"), ("毅", "yi"),
    ("然", "ran"), ("琳", "lin"), ("哲", "zhe"), ("辰", "chen"), ("轩", "xuan"),
    ("嘉", "jia"), ("思", "si"), ("远", "yuan"), ("彤", "tong"), ("峻", "jun"),
]
# Characters used to transliterate foreign names.
TRANSLIT = list("阿里亚诺克斯拉特瑞欧萨泰尔德维娜莉卡森伦马丁安杰罗琳菲奥米索贝塔兰纳雷蒙格汉布艾")
ONSET = ["Nex", "Vel", "Quan", "Lum", "Ar", "Zen", "Cor", "Kai", "Or", "Sol",
         "Ter", "Vox", "Hel", "Mir", "Ast", "Nov", "Pyr", "Syn", "Ther", "Xan",
         "Bry", "Cal", "Dor", "Eld", "Fen", "Gal", "Hyd", "Ix", "Jor", "Kel",
         "Lyr", "Mor", "Nim", "Ob", "Pel", "Riv", "Sar", "Tal", "Ul", "Wyn"]
MIDDLE = ["o", "a", "i", "e", "ra", "ri", "li", "ve", "ta", "no"]
CODA = ["ra", "ia", "on", "ex", "is", "ent", "ix", "um", "yn", "ora", "ai",
        "ar", "ius", "en", "os", "el"]
EN_ORG_SUFFIX = [("Labs", "实验室"), ("AI", "人工智能"), ("Technologies", "科技"),
                 ("Research", "研究"), ("Systems", "系统"), ("Robotics", "机器人"),
                 ("Intelligence", "智能"), ("Dynamics", "动力"),
                 ("Computing", "计算")]
FIRST = ["Aria", "Daniel", "Mei", "Lucas", "Nora", "Omar", "Priya", "Ethan",
         "Sofia", "Hugo", "Lena", "Marco", "Yara", "Felix", "Ines", "Jonas",
         "Clara", "Ravi", "Tomas", "Elena", "Kenji", "Amara", "Leo", "Maya",
         "Iris", "Noah", "Zoe", "Adrian", "Bianca", "Caleb", "Dara", "Emil",
         "Freya", "Gideon", "Hana", "Ivan", "Julia", "Lila", "Milo", "Nadia",
         "Oscar", "Petra", "Quinn", "Rosa", "Silas", "Talia", "Viktor", "Wren"]
MODEL_SUFFIX = ["-7B", "-13B", "-70B", "-8B", "-34B", "-72B", " 2", " 3", " 4",
                "-Pro", "-Max", "-Turbo", "-Lite", "-Chat", "-Coder", "-V2",
                "-V3", "-Mini", "-Ultra", "-Instruct"]
PRODUCT_SUFFIX = [("Cloud", "云"), ("Studio", "开发平台"), ("OS", "操作系统"),
                  ("Hub", "社区"), ("Platform", "平台"), ("Engine", "引擎"),
                  ("Chip", "芯片"), ("Assistant", "助手"), ("Search", "搜索"),
                  ("Stack", "套件")]


def dedupe_key(alias):
    """Aliases that kg would see as one (case, spaces, hyphens)."""
    return alias.lower().replace(" ", "").replace("-", "")


class Names:
    """Draws unique names; every alias is unique across all entities."""

    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def free(self, aliases):
        # Variants of one entity may share a key; entities never do.
        keys = {dedupe_key(a) for a in aliases}
        if any(k in self.used for k in keys):
            return False
        self.used.update(keys)
        return True

    def en_base(self):
        r = self.rng
        return r.choice(ONSET) + r.choice(MIDDLE) + r.choice(CODA)

    def translit(self, lo=2, hi=3):
        r = self.rng
        return "".join(r.choice(TRANSLIT) for _ in range(r.randint(lo, hi)))

    def brand(self):
        r = self.rng
        parts = [r.choice(BRAND) for _ in range(r.randint(2, 3))]
        return "".join(c for c, _ in parts), "".join(p for _, p in parts)

    def org(self):
        r = self.rng
        if r.random() < 0.5:  # a Chinese company with a pinyin brand
            zh, py = self.brand()
            sz, se = r.choice(ORG_SUFFIX)
            zh, en = zh + sz, py.capitalize() + " " + se
            return zh, en, True, [en.upper(), zh + "有限公司"]
        base = self.en_base()
        se, sz = r.choice(EN_ORG_SUFFIX)
        en, zh = base + " " + se, self.translit() + sz
        return zh, en, False, [base + se, zh + "公司"]

    def person(self):
        r = self.rng
        if r.random() < 0.6:
            s = r.choice(SURNAME)
            given = [r.choice(GIVEN) for _ in range(r.randint(1, 2))]
            zh = s[0] + "".join(c for c, _ in given)
            py = "".join(p for _, p in given).capitalize()
            return zh, s[1] + " " + py, True, [s[1].upper() + " " + py,
                                               py + " " + s[1]]
        first, last = r.choice(FIRST), self.en_base()
        zh = self.translit(2, 2) + "·" + self.translit()
        en = first + " " + last
        return zh, en, False, [en.lower(), first[0] + ". " + last]

    def model(self):
        r = self.rng
        base, suf = self.en_base(), r.choice(MODEL_SUFFIX)
        zh = self.translit() + suf.strip()
        en = base + suf
        return zh, en, False, [en.replace("-", " "), zh + "大模型"]

    def product(self):
        r = self.rng
        base = self.en_base()
        se, sz = r.choice(PRODUCT_SUFFIX)
        en = base + " " + se
        zh = self.translit() + sz
        return zh, en, False, [en.lower(), zh + "服务"]


class Entity:
    __slots__ = ("key", "type", "aliases", "zh_forms", "en_forms")


def make_entities(rng):
    names = Names(rng)
    out = []
    plan = [("Org", "Organization", N_ORG, names.org),
            ("Per", "Person", N_PER, names.person),
            ("Mod", "Model", N_MOD, names.model),
            ("Pro", "Product", N_PRO, names.product)]
    for prefix, typ, count, draw in plan:
        for i in range(1, count + 1):
            while True:
                zh, en, chinese, extra = draw()
                n = rng.choices((2, 3, 4), (2, 5, 3))[0]
                first = [zh, en] if chinese else [en, zh]
                aliases = (first + extra)[:n]
                if names.free(aliases):
                    break
            e = Entity()
            e.key, e.type, e.aliases = "%s%05d" % (prefix, i), typ, aliases
            # Chinese text mostly writes the Chinese name, English text the
            # English one; both sometimes use the other aliases.
            zhs = [a for a in aliases if not a.isascii()]
            ens = [a for a in aliases if a.isascii()]
            e.zh_forms = (zhs * 4 + ens) if zhs else ens
            e.en_forms = (ens * 4 + zhs[:0]) if ens else zhs
            out.append(e)
    return out


STANCES = [("OpenSource", ["open source", "开源"]),
           ("ClosedSource", ["closed source", "闭源"])]


def ttl_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_entities(rules_dir, data_dir, ents):
    lines = ["# Benchmark gazetteer written by bench/gen.py: synthetic names.",
             "@prefix kg: <http://example.org/kg/ontology#> .",
             "@prefix e: <http://example.org/kg/entity/> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
             "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .", ""]
    all_aliases = []
    rows = [(e.key, e.type, e.aliases) for e in ents]
    rows += [(k, "Stance", a) for k, a in STANCES]
    for key, typ, aliases in rows:
        alt = ", ".join(ttl_string(a) for a in aliases[1:])
        lines.append("e:%s a kg:%s ; rdfs:label %s ; skos:altLabel %s ." %
                     (key, typ, ttl_string(aliases[0]), alt))
        all_aliases.extend(aliases)
    with open(os.path.join(rules_dir, "entities.ttl"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(data_dir, "aliases.txt"), "w") as f:
        f.write("\n".join(all_aliases) + "\n")


# ---------------------------------------------------------------- rules

ZH_NEG = ["并未", "没有", "尚未", "不会"]
PREAMBLE = """\
set negation = 并未 | 没有 | 不会 | 并非 | 未曾 | 尚未 | not | never | no longer

vocab licence
  公开权重 | open weights -> open-weights
  专有 | proprietary -> closed-source

ref Organization = 该公司 | 这家公司 | the company
ref Model = 该模型 | 这款模型 | the model
ref Person = 他 | 她 | he | she
"""


class Family:
    """One phrasing shape: a rule pattern with a {V} hole and the matching
    sentence template with holes {S} {O} {V} {G1} {G2} {G3}."""

    def __init__(self, fid, lang, pattern, emit, core, mods, verbs,
                 zh=None, en=None, guard="", priority=None, weight=1.0,
                 slots=("Organization", "Model"), neg=False):
        self.fid, self.lang, self.pattern, self.emit = fid, lang, pattern, emit
        self.core, self.guard, self.priority = core, guard, priority
        self.weight, self.slots, self.neg = weight, slots, neg
        self.template = zh or en
        seen = {v for v, _ in core}
        self.variants = []
        sep = "" if lang == "zh" else " "
        for m in mods:
            for v, q in verbs:
                lit = m + sep + v if m else v
                if lit not in seen:
                    seen.add(lit)
                    self.variants.append((lit, q))


def lit(v):
    """A literal in the rule language: bare word or quoted phrase."""
    if all(c.isalnum() for c in v):
        return v
    return '"' + v + '"'


def alt(vs):
    return lit(vs[0]) if len(vs) == 1 else "(" + "|".join(lit(v) for v in vs) + ")"


ZH_ADV = ["正式", "率先", "悄然", "高调", "再次", "首次", "低调", "抢先", "连夜",
          "宣布", "重磅", "火速", "如期", "终于", "已经", "刚刚", "同步", "相继"]
EN_ADV = ["officially", "quietly", "finally", "recently", "publicly",
          "formally", "again", "suddenly", "proudly", "jointly", "already",
          "just"]


def families():
    V = lambda *vs: [(v, None) for v in vs]
    fams = [
        # --- the ten core phrasings (rules10 holds one rule of each) -----
        Family("zh.releases", "zh",
               "{org:Organization} <0-8> {V} <0-6> {m:Model+}",
               "releases(org, m)", V("发布了", "推出了"), ZH_ADV,
               V("发布了", "推出了", "上线了", "亮相了", "更新了", "升级了")
               + [("发布了第%d版" % n, None) for n in range(2, 12)],
               zh="{S}{G1}{V}{G2}{O}", guard="unless @negation between org m",
               weight=3, neg=True),
        Family("zh.possessive", "zh", "{org:Organization} {V} <0-4> {m:Model}",
               "releases(org, m)", V("的"),
               ["", "旗下", "自研", "最新", "主打", "新版", "开发"], V("的"),
               zh="{S}{V}{G2}{O}", guard="unless @negation", weight=2),
        Family("zh.founder.title", "zh",
               "{org:Organization} <0-4> {V} <0-6> {p:Person}",
               "founderOf(p, org)", V("创始人", "联合创始人"),
               ["", "前", "知名", "核心", "早期"],
               V("创办人", "缔造者", "联合创办人", "创始团队成员", "创始合伙人"),
               zh="{S}{G0}{V}{O}", slots=("Organization", "Person"), weight=2),
        Family("zh.acquires", "zh",
               "{a:Organization} <0-6> {V} <0-6> {b:Organization}",
               "acquires(a, b)", V("收购", "并购"), ZH_ADV[:12],
               V("全资收购了", "并购了", "控股了", "入股了", "吞并了"),
               zh="{S}{G1}{V}{G2}{O}", guard="unless @negation between a b",
               slots=("Organization", "Organization"), weight=1.5, neg=True),
        Family("zh.partners", "zh",
               "{a:Organization} <0-2> (与|和) <0-2> {b:Organization} <0-8> {V}",
               "partnersWith(a, b)", V("合作", "达成合作"), ["", "正式", "深度", "全面"],
               V("签署合作协议", "达成战略合作", "宣布合作", "联合研发", "共建实验室"),
               zh="{S}与{O}{G3}{V}", slots=("Organization", "Organization"),
               weight=1.5),
        Family("zh.advocates", "zh",
               "{who:Person|Organization} <0-8> {V} <0-4> {s:Stance}",
               "advocates(who, s)", V("力挺", "支持"),
               ["", "公开", "一直", "坚定", "始终", "再次"],
               V("押注", "坚持", "站队", "看好", "拥抱", "倡导"),
               zh="{S}{G1}{V}{O}路线", slots=("Person", "Stance"), weight=2),
        Family("en.releases", "en",
               "{org:Organization} <0-12> {V} <0-10> {m:Model+}",
               "releases(org, m)", V("released", "launched"), EN_ADV,
               V("released", "launched", "unveiled", "open-sourced",
                 "rolled out", "shipped", "introduced", "debuted")
               + [("released version %d of" % n, None) for n in range(2, 10)],
               en="{S}{G1}{V}{G2}{O}", guard="unless @negation between org m",
               weight=3, neg=True),
        Family("en.founder", "en", "{org:Organization} <0-3> {V} {p:Person}",
               "founderOf(p, org)", V("founded by", "co-founded by"),
               ["", "originally", "jointly", "first"],
               V("started by", "created by", "established by", "set up by"),
               en="{S}, {V} {O},", slots=("Organization", "Person"), weight=2),
        Family("en.acquires", "en",
               "{a:Organization} <0-10> {V} <0-10> {b:Organization}",
               "acquires(a, b)", V("acquired", "bought"), EN_ADV,
               V("agreed to buy", "took over", "snapped up", "completed its acquisition of",
                 "bought a stake in"),
               en="{S}{G1}{V}{G2}{O}", guard="unless @negation between a b",
               slots=("Organization", "Organization"), weight=1.5, neg=True),
        Family("en.advocates", "en",
               "{who:Person|Organization} <0-10> {V} <0-8> {s:Stance}",
               "advocates(who, s)", V("backs", "supports"), EN_ADV[:8],
               V("bets on", "argues for", "champions", "defends", "sides with"),
               en="{S}{G1}{V}{O} models", slots=("Person", "Stance"), weight=2),
        # --- further phrasings (first in rules100) ---------------------
        Family("zh.releases.licence", "zh",
               "{org:Organization} <0-8> {V} <0-4> [lic: 公开权重|专有] <0-4> {m:Model}",
               "releases(org, m, licence(lic))", V("发布了"), ZH_ADV[:8],
               V("发布了", "推出了"), zh="{S}{G1}{V}{LIC}的{O}", priority=5),
        Family("en.releases.licence", "en",
               '{org:Organization} <0-12> {V} <0-6> [lic: "open weights"|proprietary] <0-8> {m:Model}',
               "releases(org, m, licence(lic))", V("released"), EN_ADV[:8],
               V("released", "launched"), en="{S}{G1}{V} the {LIC} model {O}",
               priority=5),
        Family("zh.acquires.year", "zh",
               "[year: /(?:19|20)\\d\\d/] 年 <0-10> {a:Organization} <0-6> {V} <0-6> {b:Organization}",
               "acquires(a, b, year)", V("收购了"), ZH_ADV[:6], V("收购了", "并购了"),
               zh="{Y}年，{S}{V}{O}", slots=("Organization", "Organization")),
        Family("en.acquires.year", "en",
               "in [year: /(?:19|20)\\d\\d/] <0-3> {a:Organization} <0-10> {V} <0-10> {b:Organization}",
               "acquires(a, b, year)", V("acquired"), EN_ADV[:6], V("acquired", "bought"),
               en="In {Y}, {S} {V} {O}", slots=("Organization", "Organization")),
        Family("zh.founder.verb", "zh",
               "{p:Person} <0-4> {V} <0-4> {org:Organization}", "founderOf(p, org)",
               V("创办了", "创立了"), ["", "一手", "早年", "亲自", "联合"],
               V("创办了", "创立了", "创建了", "发起了"),
               zh="{S}{G0}{V}{O}", slots=("Person", "Organization")),
        Family("zh.hosts", "zh", "{p:Product} <0-6> {V} <0-6> {m:Model+}",
               "hosts(p, m)", V("上线了", "接入了"), ZH_ADV[:10],
               V("集成了", "引入了", "支持调用", "部署了", "首发了")
               + [("上线了第%d版" % n, None) for n in range(2, 6)],
               zh="{S}{G1}{V}{G2}{O}", slots=("Product", "Model")),
        Family("zh.criticizes", "zh",
               "{a:Person} <0-6> {V} <0-6> {b:Person|Organization}",
               "criticizes(a, b)", V("批评", "炮轰"), ["", "公开", "再次", "当众", "直言"],
               V("怒怼", "回怼", "质疑", "驳斥了", "抨击了", "嘲讽了"),
               zh="{S}{G1}{V}{O}", slots=("Person", "Organization")),
        Family("zh.outperforms", "zh", "{a:Model} <0-6> {V} <0-6> {b:Model}",
               "outperforms(a, b)", V("超越了", "击败了"), ["", "全面", "大幅", "首次", "明显"],
               V("领先于", "碾压了", "超过了", "胜过"),
               zh="{S}在评测中{V}{O}", slots=("Model", "Model")),
        Family("zh.basedon", "zh", "{a:Model} <0-4> {V} <0-4> {b:Model}",
               "basedOn(a, b)", V("基于"), ["", "直接", "完全", "部分"],
               V("微调自", "构建于", "衍生自", "蒸馏自"),
               zh="{S}{V}{O}训练而成", slots=("Model", "Model")),
        Family("zh.competes", "zh",
               "{a:Organization} <0-2> (与|和) <0-2> {b:Organization} <0-6> {V}",
               "competesWith(a, b)", V("展开竞争"), ["", "正面", "激烈", "持续"],
               V("交锋", "竞争", "争夺市场", "角逐"),
               zh="{S}和{O}{V}", slots=("Organization", "Organization")),
        Family("zh.partof", "zh", "{a:Product} <0-4> {V} <0-4> {b:Organization}",
               "partOf(a, b)", V("隶属于"), ["", "目前", "仍然", "已经"],
               V("属于", "归属于", "并入"),
               zh="{S}{V}{O}", slots=("Product", "Organization")),
        Family("en.partners", "en",
               "{a:Organization} <0-10> {V} <0-6> {b:Organization}",
               "partnersWith(a, b)", V("partnered with"), EN_ADV[:8],
               V("teamed up with", "signed a deal with", "joined forces with",
                 "is working with"),
               en="{S}{G1}{V}{O}", slots=("Organization", "Organization")),
        Family("en.hosts", "en", "{p:Product} <0-10> {V} <0-8> {m:Model+}",
               "hosts(p, m)", V("now hosts"), EN_ADV[:8],
               V("added", "integrated", "now offers", "began serving"),
               en="{S}{G1}{V}{G2}{O}", slots=("Product", "Model")),
        Family("en.criticizes", "en",
               "{a:Person} <0-8> {V} <0-8> {b:Person|Organization}",
               "criticizes(a, b)", V("criticized"), EN_ADV[:8],
               V("slammed", "attacked", "pushed back against", "took aim at"),
               en="{S}{G1}{V}{O}", slots=("Person", "Organization")),
        Family("en.outperforms", "en", "{a:Model} <0-10> {V} <0-8> {b:Model}",
               "outperforms(a, b)", V("outperforms"), ["", "clearly", "narrowly", "easily"],
               V("beats", "surpasses", "edges out", "leads"),
               en="{S}{V}{O} on coding tests", slots=("Model", "Model")),
        Family("en.basedon", "en", "{a:Model} <0-8> {V} <0-6> {b:Model}",
               "basedOn(a, b)", V("is based on"), ["", "reportedly", "largely"],
               V("was fine-tuned from", "builds on", "is derived from"),
               en="{S}{V}{O}", slots=("Model", "Model")),
    ]
    roles = [("首席执行官", "CEO"), ("CEO", "CEO"), ("董事长", "chairman"),
             ("首席技术官", "CTO"), ("首席科学家", "chief-scientist"),
             ("副总裁", "vice-president"), ("总经理", "general-manager")]
    for i, (zh, q) in enumerate(roles):
        fams.append(Family("zh.works%d.%s" % (i + 1, q), "zh",
                           "{org:Organization} <0-2> {V} <0-2> {p:Person}",
                           'worksFor(p, org, "%s")' % q, [(zh, q)],
                           ["前", "现任", "新任", "候任", "联席", "执行"], [(zh, q)],
                           zh="{S}{V}{O}", slots=("Organization", "Person")))
    en_roles = [("CEO of", "CEO"), ("chairman of", "chairman"), ("CTO of", "CTO"),
                ("chief scientist at", "chief-scientist"),
                ("vice president at", "vice-president")]
    for en, q in en_roles:
        fams.append(Family("en.works.%s" % q, "en",
                           "{p:Person} <0-4> {V} <0-4> {org:Organization}",
                           'worksFor(p, org, "%s")' % q, [(en, q)],
                           ["former", "current", "new", "interim", "acting"], [(en, q)],
                           en="{S}, {V}{O},", slots=("Person", "Organization")))
    return fams


def rule_text(fam, rid, verbs):
    head = "rule %s%s =" % (rid, " priority %d" % fam.priority if fam.priority else "")
    lines = [head, "  " + fam.pattern.replace("{V}", alt(verbs))]
    if fam.guard:
        lines.append("  " + fam.guard)
    emit = fam.emit
    quals = {q for _, q in fam.core + fam.variants if q}
    lines.append("  emit " + emit)
    assert len(quals) <= 1
    return "\n".join(lines) + "\n"


def rule_list(fams):
    """All rules in set order: each family's core rule, then variants
    round-robin across families (so rules100 samples every family)."""
    rules = [(f, f.fid + ".core", [v for v, _ in f.core]) for f in fams]
    queues = [list(f.variants) for f in fams]
    i = 0
    while any(queues):
        for f, q in zip(fams, queues):
            if q:
                v, _ = q.pop(0)
                i += 1
                rules.append((f, "%s.v%03d" % (f.fid, i), [v]))
    return rules


def write_rules(out, fams, sizes=(10, 100, 1000)):
    rules = rule_list(fams)
    if len(rules) < max(sizes):
        sys.exit("gen.py: only %d rules can be generated" % len(rules))
    for n in sizes:
        d = os.path.join(out, "rules%d" % n)
        os.makedirs(d, exist_ok=True)
        for name in ("entities.ttl", "ontology.ttl"):
            link = os.path.join(d, name)
            if os.path.lexists(link):
                os.remove(link)
            os.symlink(os.path.join("..", "rules", name), link)
        with open(os.path.join(d, "bench.rules"), "w") as f:
            f.write("# %d benchmark rules written by bench/gen.py.\n\n" % n)
            f.write(PREAMBLE + "\n")
            for fam, rid, verbs in rules[:n]:
                f.write(rule_text(fam, rid, verbs) + "\n")


# ---------------------------------------------------------------- corpus

ZH_G0 = ["", "", "", "的", "公司"]          # <=4 chars between org and title
ZH_G1 = ["", "", "", "今天", "近日", "周三", "昨日晚间", "在杭州", "在发布会上", "于上月"]
ZH_G2 = ["", "", "", "新一代", "旗舰", "最新版", "全新的"]
ZH_G3 = ["", "", "就大模型", "在算力领域", "围绕智能体"]
EN_G1 = [" ", " ", " ", " today ", " Monday ", " also ", " now "]
EN_G2 = [" ", " ", " ", " the new ", " its new ", " a new "]
ZH_PRE = ["", "", "", "", "", "据悉，", "消息显示，", "记者获悉，", "另据介绍，",
          "本周二，", "今年早些时候，", "业内消息称，"]
ZH_POST = ["", "", "", "", "，引发业内关注", "，并计划在年内开放下载",
           "，这也是该公司今年的第三次发布", "，相关页面已经上线", "，价格下调了三成"]
EN_PRE = ["", "", "", "", "On Tuesday, ", "Earlier this year, ", "According to people familiar with the matter, ",
          "In a blog post, ", "Last week, "]
EN_POST = ["", "", "", "", ", a spokesperson said", ", drawing attention across the industry",
           ", the company said in a statement", ", with pricing to follow"]
ZH_FILL_SUBJ = ["业内人士", "分析人士", "多位从业者", "研究人员", "投资人", "一位工程师",
                "券商报告", "行业协会", "开发者社区", "多家媒体"]
ZH_FILL_VERB = ["认为", "指出", "表示", "预计", "提醒", "坦言", "分析称"]
ZH_TOPIC = ["大模型的训练成本仍在快速上升", "算力供给短期内难以缓解",
            "开放权重与商业闭环之间的争论还会持续", "推理价格的下降速度超出预期",
            "数据合规将成为下一阶段的门槛", "中小企业更关心部署成本而非参数规模",
            "智能体应用有望在明年迎来爆发", "端侧模型的能力正在迅速追赶云端",
            "评测榜单的参考价值正在下降", "高质量中文语料依然稀缺",
            "芯片出口管制带来了新的不确定性", "行业已经从拼参数转向拼应用"]
ZH_CITY = ["北京", "上海", "深圳", "杭州", "广州", "成都", "南京", "苏州", "武汉", "西安"]
ZH_EVENT = ["人工智能大会", "开发者大会", "开源峰会", "算力论坛", "产业博览会", "技术沙龙"]
ZH_METRIC = ["营收", "净利润", "股价", "研发投入", "用户规模", "日活跃用户数", "估值"]
ZH_MOVE = ["增长了", "下降了", "上涨了", "回落了", "提升了"]
ZH_MENTION = ["{S}的{M}{MV}{P}%", "{S}在{C}举办的{E}上展示了多项新功能",
              "{S}方面拒绝就此事置评", "{S}近期在{C}设立了新的研发中心",
              "{S}表示将继续加大研发投入", "有消息称{S}正在筹备新一轮融资",
              "{S}的负责人在{E}上发表了主题演讲", "{S}与{S2}的合作细节尚未公布"]
EN_FILL_SUBJ = ["Analysts", "Industry watchers", "Several developers", "Researchers",
                "Investors", "One engineer", "A trade group", "Critics"]
EN_FILL_VERB = ["said", "noted", "argued", "warned", "expect", "pointed out"]
EN_TOPIC = ["training costs keep rising faster than revenue",
            "the supply of accelerators will stay tight for months",
            "the debate over open weights is far from settled",
            "inference prices are falling faster than expected",
            "smaller firms care more about deployment cost than model size",
            "benchmark leaderboards are losing their value",
            "agents could become the main way people use these systems",
            "export controls add fresh uncertainty for chip buyers"]
EN_CITY = ["San Francisco", "London", "Paris", "Singapore", "Toronto", "Berlin", "Seoul"]
EN_MENTION = ["Revenue at {S} rose {P}% in the second quarter",
              "{S} did not respond to a request for comment",
              "{S} opened a new research office in {C}",
              "Shares of {S} fell {P}% in early trading",
              "{S} is expected to announce more details at its developer conference in {C}",
              "The deal between {S} and {S2} has not been disclosed in full"]


class Corpus:
    """Writes documents of synthetic news from entity names and families."""

    def __init__(self, rng, ents, fams):
        self.r = rng
        self.by_type = {}
        for e in ents:
            self.by_type.setdefault(e.type, []).append(e)
        self.fams = {"zh": [f for f in fams if f.lang == "zh"],
                     "en": [f for f in fams if f.lang == "en"]}
        self.fw = {k: [f.weight for f in v] for k, v in self.fams.items()}
        self.ents = ents

    def pick(self, lst):
        return lst[int(self.r.random() * len(lst))]

    def name(self, cast, typ, lang):
        if typ == "Stance":
            return self.pick(["开源", "闭源"] if lang == "zh" else
                             ["open source", "closed source", "open-source"])
        pool = cast.get(typ) if self.r.random() < 0.8 else None
        e = self.pick(pool or self.by_type[typ])
        return self.pick(e.zh_forms if lang == "zh" else e.en_forms)

    def fact(self, cast, lang):
        r, pick = self.r, self.pick
        fam = r.choices(self.fams[lang], self.fw[lang])[0]
        v = pick(fam.core if r.random() < 0.5 or not fam.variants else fam.variants)[0]
        st, ot = fam.slots
        s = self.name(cast, st, lang)
        o = self.name(cast, ot, lang)
        for _ in range(3):
            if dedupe_key(o) != dedupe_key(s):
                break
            o = self.name(cast, ot, lang)
        if ot == "Model" and "+" in fam.pattern and r.random() < 0.15:
            o += ("、" if lang == "zh" else ", ") + self.name(cast, ot, lang) + \
                 ("和" if lang == "zh" else " and ") + self.name(cast, ot, lang)
        if lang == "zh":
            g = {"G0": pick(ZH_G0), "G1": pick(ZH_G1), "G2": pick(ZH_G2),
                 "G3": pick(ZH_G3), "LIC": pick(["公开权重", "专有"])}
            if fam.neg and r.random() < 0.15:
                v = pick(ZH_NEG) + v.rstrip("了")
            body = fam.template.format(S=s, O=o, V=v, Y=r.randint(2005, 2024), **g)
            pre = "" if "{Y}" in fam.template else pick(ZH_PRE)
            return pre + body + pick(ZH_POST) + pick("。。。。。。！")
        g = {"G1": pick(EN_G1), "G2": pick(EN_G2),
             "LIC": pick(["open weights", "proprietary"])}
        if fam.neg and r.random() < 0.15:
            v = pick(["has not ", "never "]) + v
        body = fam.template.format(S=" %s " % s, O=" %s " % o, V=" %s " % v,
                                   Y=r.randint(2005, 2024), **g)
        body = " ".join(body.split()).replace(" ,", ",").rstrip(",")
        pre = "" if "{Y}" in fam.template else pick(EN_PRE)
        if pre and body[0].islower():
            body = body[0].upper() + body[1:]
        return pre + body + pick(EN_POST) + pick("......?")

    def filler(self, cast, lang):
        r, pick = self.r, self.pick
        k = r.random()
        if lang == "zh":
            if k < 0.45:
                t = pick(ZH_MENTION)
                return t.format(S=self.name(cast, pick(("Organization", "Person", "Product")), lang),
                                S2=self.name(cast, "Organization", lang), M=pick(ZH_METRIC),
                                MV=pick(ZH_MOVE), P="%.1f" % (r.random() * 60),
                                C=pick(ZH_CITY), E=pick(ZH_EVENT)) + "。"
            if k < 0.8:
                return pick(ZH_FILL_SUBJ) + pick(ZH_FILL_VERB) + "，" + pick(ZH_TOPIC) + \
                    pick(["。", "。", "；" + pick(ZH_TOPIC) + "。"])
            return "%d年%d月%d日，%s举办的%s吸引了超过%d名开发者参加，现场发布了%d份报告。" % (
                r.randint(2019, 2024), r.randint(1, 12), r.randint(1, 28), pick(ZH_CITY),
                pick(ZH_EVENT), r.randint(200, 20000), r.randint(2, 30))
        if k < 0.45:
            return pick(EN_MENTION).format(
                S=self.name(cast, pick(("Organization", "Person", "Product")), lang),
                S2=self.name(cast, "Organization", lang), P="%.1f" % (r.random() * 30),
                C=pick(EN_CITY)) + "."
        if k < 0.8:
            return "%s %s that %s." % (pick(EN_FILL_SUBJ), pick(EN_FILL_VERB), pick(EN_TOPIC))
        return "The event in %s drew more than %d attendees, and %d companies showed demos." % (
            pick(EN_CITY), r.randint(200, 20000), r.randint(3, 90))

    def document(self, size):
        r = self.r
        lang = "zh" if r.random() < 0.7 else "en"
        cast = {t: [self.pick(self.by_type[t]) for _ in range(r.randint(2, 5))]
                for t in self.by_type}
        paras, n = [], 0
        title = self.fact(cast, lang).rstrip("。！.?")
        paras.append(title)
        n += len(title.encode())
        while n < size:
            sents = []
            for _ in range(r.randint(2, 7)):
                k = r.random()
                s = self.fact(cast, lang) if k < 0.35 else self.filler(cast, lang)
                sents.append(s)
            p = ("" if lang == "zh" else " ").join(sents)
            if lang == "zh" and r.random() < 0.3:
                p = "\u3000\u3000" + p
            paras.append(p)
            n += len(p.encode()) + 2
        return "\n\n".join(paras) + "\n"

    def write(self, d, total):
        os.makedirs(d, exist_ok=True)
        n = i = 0
        while n < total:
            size = int(2048 + self.r.random() * 16384)
            text = self.document(min(size, max(total - n, 2048)))
            sub = os.path.join(d, "%03d" % (i // 250))
            if i % 250 == 0:
                os.makedirs(sub, exist_ok=True)
            with open(os.path.join(sub, "doc%05d.txt" % i), "w") as f:
                f.write(text)
            n += len(text.encode())
            i += 1
        return i, n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--ontology", default=os.path.join(PROJECT, "rules", "ontology.ttl"))
    ap.add_argument("--corpora", default="10,100", help="sizes in MB")
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args()
    if not os.path.isfile(a.ontology):
        sys.exit("gen.py: %s is missing: the benchmark needs the project's "
                 "ontology (rules/ontology.ttl)" % a.ontology)
    rules_dir = os.path.join(a.out, "rules")
    os.makedirs(rules_dir, exist_ok=True)
    shutil.copyfile(a.ontology, os.path.join(rules_dir, "ontology.ttl"))
    rng = random.Random(a.seed)
    ents = make_entities(rng)
    write_entities(rules_dir, a.out, ents)
    fams = families()
    write_rules(a.out, fams)
    for mb in [int(x) for x in a.corpora.split(",") if x]:
        d = os.path.join(a.out, "corpus%d" % mb)
        if os.path.isdir(d):
            shutil.rmtree(d)
        crng = random.Random(a.seed * 1000 + mb)
        files, size = Corpus(crng, ents, fams).write(d, mb * 1000 * 1000)
        print("gen.py: %s: %d files, %.1f MB" % (d, files, size / 1e6))


if __name__ == "__main__":
    main()
