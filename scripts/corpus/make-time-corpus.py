#!/usr/bin/env python3
"""Writes Tests/WenshuCoreTests/Corpus/time.tsv: time phrases with a pinned now and the
exact half-open range, computed here with Python's datetime (independently of wenshu's
Swift code), covering contract §5 and §9.10. Rerun after adding a phrase family."""
import datetime as dt, json, os

D = dt.date
def day(d): return (d, d + dt.timedelta(1))
def monday(d): return d - dt.timedelta(d.weekday())
def month_start(y, m):
    while m < 1: y, m = y - 1, m + 12
    while m > 12: y, m = y + 1, m - 12
    return D(y, m, 1)
def add_months(d, n): return month_start(d.year, d.month + n)
def latest_month(now, m): return D(now.year if m <= now.month else now.year - 1, m, 1)
def latest_date(now, m, d):
    y = now.year
    for yy in (y, y - 1):
        try:
            x = D(yy, m, d)
        except ValueError:
            continue
        if x <= now: return x
    return None
def iso_week(y, n):
    m1 = monday(D(y, 1, 4)); s = m1 + dt.timedelta(7 * (n - 1)); return (s, s + dt.timedelta(7))
def quarter_start(d): return D(d.year, (d.month - 1) // 3 * 3 + 1, 1)

kit = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'eval', 'holidays.json')
HOL = json.load(open(kit)) if os.path.exists(kit) else {}
def holiday(name, y):
    a, b = HOL[name][str(y)]
    return (D.fromisoformat(a), D.fromisoformat(b) + dt.timedelta(1))
def latest_holiday(name, now):
    best = None
    for y in sorted(HOL[name]):
        r = holiday(name, int(y))
        if r[0] <= now: best = r
    return best

CN = "零一二三四五六七八九十"
def cn(n):
    if n <= 10: return CN[n]
    if n < 20: return "十" + (CN[n - 10] if n > 10 else "")
    return CN[n // 10] + "十" + (CN[n % 10] if n % 10 else "")

rows = []
def add(now, phrase, r):
    rows.append((now.isoformat(), phrase, "clarify" if r is None else f"{r[0].isoformat()}..{r[1].isoformat()}"))

NOWS = [D(2026, 11, 29), D(2026, 1, 3), D(2024, 3, 1), D(2025, 12, 31), D(2026, 5, 20)]
WD = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
for now in NOWS:
    t = now
    add(now, "今天", day(t)); add(now, "今日", day(t)); add(now, "本日", day(t)); add(now, "当日", day(t))
    add(now, "昨天", day(t - dt.timedelta(1))); add(now, "前天", day(t - dt.timedelta(2))); add(now, "前日", day(t - dt.timedelta(2)))
    add(now, "大前天", day(t - dt.timedelta(3)))
    m = monday(t)
    for w in ["本周", "这周", "这礼拜", "本礼拜", "这一礼拜"]: add(now, w, (m, m + dt.timedelta(7)))
    for w in ["上周", "上礼拜", "上个礼拜"]: add(now, w, (m - dt.timedelta(7), m))
    add(now, "上上周", (m - dt.timedelta(14), m - dt.timedelta(7)))
    for name, k in [("一", 1), ("四", 4), ("日", 7)]:
        d = m + dt.timedelta(k - 1)
        if d > t: d -= dt.timedelta(7)
        add(now, "周" + name, day(d))
        add(now, "上礼拜" + ("天" if k == 7 else name), day(m - dt.timedelta(7) + dt.timedelta(k - 1)))
        add(now, "这周" + name, day(m + dt.timedelta(k - 1)))
    ms = D(t.year, t.month, 1)
    add(now, "本月", (ms, add_months(ms, 1))); add(now, "上个月", (add_months(ms, -1), ms)); add(now, "上上个月", (add_months(ms, -2), add_months(ms, -1)))
    for dd in (1, 8, 15):
        add(now, f"本月{dd}日", day(D(t.year, t.month, dd)))
        add(now, f"上个月{dd}号", day(add_months(ms, -1).replace(day=dd)))
        add(now, f"去年本月{dd}日", day(D(t.year - 1, t.month, dd)))
    add(now, "上个月31号", None if (add_months(ms, 1) - add_months(ms, -1)).days < 0 else (day(add_months(ms, -1).replace(day=31)) if (ms - add_months(ms, -1)).days == 31 else None))
    q = quarter_start(t)
    add(now, "本季度", (q, add_months(q, 3))); add(now, "上季度", (add_months(q, -3), q))
    add(now, "近一个季度", (q, add_months(q, 3))); add(now, "近两个季度", (add_months(q, -3), add_months(q, 3)))
    for qq, w in [(1, "一季度"), (3, "第三季度"), (4, "Q4")]:
        s = D(t.year, 3 * qq - 2, 1); add(now, w, (s, add_months(s, 3)))
    add(now, "前三季度", (D(t.year, 1, 1), D(t.year, 10, 1)))
    add(now, "去年前三季度", (D(t.year - 1, 1, 1), D(t.year - 1, 10, 1)))
    for n in (2, 5):
        add(now, f"前{n}个月", (D(t.year, 1, 1), month_start(t.year, 1 + n)))
        add(now, f"今年前{cn(n)}个月", (D(t.year, 1, 1), month_start(t.year, 1 + n)))
    add(now, "今年", (D(t.year, 1, 1), D(t.year + 1, 1, 1))); add(now, "去年", (D(t.year - 1, 1, 1), D(t.year, 1, 1)))
    add(now, "上半年", (D(t.year, 1, 1), D(t.year, 7, 1)))
    add(now, "近3年", (D(t.year - 2, 1, 1), D(t.year + 1, 1, 1)))
    for mm in (1, 3, 12):
        s = latest_month(now, mm); add(now, f"{mm}月", (s, add_months(s, 1)))
    for (mm, dd, w) in [(1, 3, "1月3"), (1, 23, "一月二十三"), (2, 14, "二月十四"), (3, 7, "3月7")]:
        x = latest_date(now, mm, dd); add(now, w, day(x) if x else None)
    x = latest_date(now, 2, 29); add(now, "2月29日", day(x) if x else None)
    for n in (7, 30):
        add(now, f"近{n}天", (t - dt.timedelta(n - 1), t + dt.timedelta(1)))
    add(now, "近一周", (t - dt.timedelta(6), t + dt.timedelta(1)))
    add(now, "近3个月", (add_months(ms, -2), add_months(ms, 1)))
    add(now, "今年以来", (D(t.year, 1, 1), t + dt.timedelta(1)))
    for n, w in [(1, "第一周"), (10, "第10个礼拜"), (52, "第52周")]:
        add(now, w, iso_week(t.year, n))
    add(now, "25年第三个礼拜", iso_week(2025, 3)); add(now, "2026年第1周", iso_week(2026, 1)); add(now, "2020年第53周", iso_week(2020, 53))
    for name, words in [("清明", ["清明", "清明节"]), ("劳动节", ["劳动节", "五一"]), ("端午", ["端午节", "端午"]), ("中秋", ["中秋", "中秋节"]), ("春节", ["春节期间"])]:
        r = latest_holiday(name, now)
        for w in words: add(now, w, r)
    for y in (2024, 2025):
        add(now, f"{y}年中秋", holiday("中秋", y)); add(now, f"{y}年五一", holiday("劳动节", y))
    add(now, "暑假", None); add(now, "寒假", None)
    # Ranges
    add(now, "2025年3月5-12日", (D(2025, 3, 5), D(2025, 3, 13)))
    add(now, "2025年11月3日-10日", (D(2025, 11, 3), D(2025, 11, 11)))
    add(now, "从2025年11月三号到十号", (D(2025, 11, 3), D(2025, 11, 11)))
    add(now, "自2025-06-01起至2025-06-15止", (D(2025, 6, 1), D(2025, 6, 16)))
    add(now, "2025年2月3至3月10", (D(2025, 2, 3), D(2025, 3, 11)))
    lm = m - dt.timedelta(7)
    add(now, "上周四到这周二", (lm + dt.timedelta(3), m + dt.timedelta(2)))
    s = latest_month(now, 10)
    add(now, "10月15号到现在", (s.replace(day=15), t + dt.timedelta(1)) if s.replace(day=15) <= t else None)
    add(now, "今年3月至今", (D(t.year, 3, 1), t + dt.timedelta(1)) if D(t.year, 3, 1) <= t else None)

with open(os.path.join(os.path.dirname(__file__), '..', '..', 'Tests', 'WenshuCoreTests', 'Corpus', 'time.tsv'), 'w') as f:
    f.write("# now <TAB> time phrase <TAB> start..end (half-open), or clarify. Written by scripts/corpus/make-time-corpus.py.\n")
    for r in rows: f.write("\t".join(r) + "\n")
print(len(rows), "lines")
