"""The ≥300 strings of the reference fixture: sentences of the seed reports and of other Chinese
government reports (simplified and traditional), English, mixed, digits, fullwidth forms, emoji,
whitespace and control characters, and texts past the 512-token window. Deterministic."""
from __future__ import annotations

import glob
import os
import random
import re

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared"))

ENGLISH = [
    "How many legal awareness campaigns did the town organise this year?",
    "What did Shicun do about petitions?",
    "What are the shortcomings of the rule-of-law work?",
    "Which departments handle administrative disputes?",
    "What is planned for next year?",
    "Recommend a good pizza restaurant.",
    "How does the town government make decisions scientifically and democratically?",
    "Government work report 2023: economic growth was 5.2 percent.",
    "The county mediated 1,024 disputes and resolved 98% of them.",
    "Who is responsible for law enforcement supervision?",
    "Summarize the main achievements in one sentence.",
    "Is there any information about environmental protection?",
    "The quick brown fox jumps over the lazy dog.",
    "Administrative reconsideration cases increased compared with last year.",
    "what about baishan", "petitions", "Yantian 2019", "Hunan 2026 budget", "GDP", "e-government services",
    "Mr. Smith's report (draft) — final version, p. 3.",
    "COVID-19 prevention and control measures in 2020",
    "naïve café résumé",
    "Don't panic!!! ... really???",
    "   leading and trailing spaces   ",
    "tabs\tand\nnew\r\nlines",
    "multiple     spaces    inside",
    "URL: https://www.gov.cn/zhengce/2023-03/14/content_5746704.htm",
    "email: office@example.gov.cn, tel. +86 10 1234 5678",
    "ALL CAPS HEADLINE ABOUT RURAL REVITALIZATION",
    "Section 2.3(b), item iv: rule of law in government",
    "1st, 2nd, 3rd and 4th quarters",
    "The 14th Five-Year Plan period (2021–2025)",
    "What did the report say about housing prices?",
    "How much money was spent on education?",
    "When was the report published?",
    "Where is Baishan town?",
    "Why did the number of cases go down?",
    "List the measures for optimizing the business environment.",
    "Thanks!",
]

MIXED = [
    "柏山镇 legal publicity 活动有多少次？", "Shicun 史村镇 petitions 信访", "2023年GDP增长5.2%",
    "What is 法治政府建设?", "5G基站建设 and AI产业", "COVID-19疫情防控", "第3页 / p. 3",
    "iPhone和Android用户", "PM2.5平均浓度下降10%", "ISO 9001质量管理体系认证",
    "一是 strengthen leadership；二是 improve systems。", "“放管服”改革 (streamline administration)",
    "Q: 史村镇明年打算干啥？ A: see 下一步工作", "B2B、O2O、APP", "WTO规则", "《中华人民共和国行政复议法》Article 1",
    "CPU、GPU与NPU", "KPI考核", "柏山镇 vs 史村镇", "政府工作报告 2026 Hunan",
]

DIGITS_FULLWIDTH = [
    "２０２３年", "ＧＤＰ增长５．２％", "第１页", "１２３４５６７８９０", "ＡＢＣ　ＤＥＦ", "（一）（二）（三）",
    "①②③④⑤", "Ⅰ Ⅱ Ⅲ Ⅳ", "30余次", "1000多人次", "5000余份", "12.4%", "3.14159", "2019～2023年",
    "100,000,000元", "1/3", "＋－×÷＝", "～～～", "℃ ㎡ ㎞", "№１", "㈠㈡㈢", "⑴⑵⑶", "2023.12.28", "50余场次",
]

EMOJI = [
    "👍 好的", "谢谢😊", "🎉🎉🎉", "政府工作报告📄", "❤️ 法治", "👨‍👩‍👧 家庭", "🇨🇳", "⚖️ 法律", "✅ 完成", "🚀 发展",
]

EDGE = [
    "", " ", "  ", "\t", "\n", "。", "？", "a", "镇", "的", "零宽\u200b字符", "连接\u200d符", "软\u00ad连字符",
    "全角\u3000空格", "不间断\u00a0空格", "控制\u0001字符\u0007", "BOM\ufeff开头", "替换\ufffd字符",
    "右到左\u200f标记", "▁已有元空格", "＜script＞alert(1)＜/script＞", "<b>粗体</b> &amp; 转义",
    "￥100", "＄5", "｢引号｣", "﹏下划线", "︿", "𠀀𠀁 扩展B", "〇一二三", "丶丿乀",
]

TRADITIONAL = [
    "本鎮全面推進依法行政，法治政府建設取得明顯成效。", "開展普法宣傳活動三十餘次，解答群眾法律諮詢一千多人次。",
    "健全重大行政決策程序，提高決策科學化、民主化、法治化水平。", "加強行政執法監督，規範文明執法。",
    "存在的不足：部分幹部法治意識不強。", "下一步，我們將繼續深化「放管服」改革。", "臺灣同胞與港澳居民",
    "發揮人民調解作用，化解矛盾糾紛。", "經濟總量突破一萬億元，增長百分之五點二。", "醫療衛生與鄉村振興",
]

# Everyday questions written for this fixture (not taken from the evaluation sets).
QUESTIONS = [
    "柏山镇去年搞了几次普法", "史村镇有几个村", "镇里怎么处理老百姓上访", "明年打算干啥", "法治建设有啥问题",
    "行政复议案件多少件", "谁负责执法监督", "防诈骗宣传做了没", "打官司的人多吗", "村里的法律顾问是谁",
    "政府工作报告里说的GDP是多少", "盐田区2019年办了多少行政复议", "湖南省2026年的目标", "光明区的营商环境",
    "深圳市南山区2020年政府工作报告", "国务院1985年工作报告讲了什么", "依法行政有哪些举措", "普法宣传怎么做的",
    "基层治理有什么亮点", "存在的不足和下步打算", "學校教育怎麼樣", "法治政府建設情況", "鄉鎮的信訪工作",
    "兩個鎮誰的普法宣傳做得多", "請問明年的工作計劃", "柏山镇", "史村", "法治", "上访", "诉讼",
]


def _sentences(path: str) -> list[str]:
    text = open(path, encoding="utf-8", errors="replace").read()
    parts = re.split(r"(?<=[。！？；])", text)
    return [p.strip() for p in parts if 8 <= len(p.strip()) <= 160]


def reference_strings() -> list[str]:
    rng = random.Random(20261125)
    out: list[str] = []
    for path in sorted(glob.glob(os.path.join(SHARED, "corpus", "*"))):
        s = _sentences(path)
        out += rng.sample(s, min(40, len(s)))
    large = sorted(p for p in glob.glob(os.path.join(SHARED, "corpus-large", "*", "*.txt")))
    traditional = [p for p in large if re.search(r"-19[5-9]\d-", p)]
    for path in rng.sample(large, 40):
        s = _sentences(path)
        if s:
            out += rng.sample(s, min(2, len(s)))
    for path in rng.sample(traditional, min(10, len(traditional))):
        s = _sentences(path)
        if s:
            out.append(rng.choice(s))
    out += TRADITIONAL + ENGLISH + MIXED + DIGITS_FULLWIDTH + EMOJI + EDGE + QUESTIONS
    # Texts past one 512-token window: whole paragraphs of reports, 600 to 3000 characters.
    for n, path in enumerate(rng.sample(large, 8)):
        text = re.sub(r"\s+", "", open(path, encoding="utf-8").read())
        size = 600 + n * 300
        start = rng.randrange(0, max(1, len(text) - size))
        out.append(text[start:start + size])
    out.append(" ".join(ENGLISH) * 3)
    return out
