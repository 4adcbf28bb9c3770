#!/usr/bin/env python3
"""Writes scripts/load/questions.txt: >= 1,000 distinct questions for the wrk mix, from the
README's question shapes x the store's own places, categories and departments x periods.

usage: scripts/load/make-mix.py STORE.db [N]   (deterministic: same store -> same list)
"""
import random, sqlite3, sys, os

db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
def top(col, k):
    return [r[0] for r in db.execute(f"SELECT {col} FROM tickets WHERE {col} IS NOT NULL AND created_at >= '2026-01-01' GROUP BY {col} ORDER BY COUNT(*) DESC LIMIT {k}")]
districts, streets = top("district", 13), top("street", 40)
subs, kinds, depts = top("subcategory", 25), top("kind", 6), top("department", 15)
periods = ["上个月", "本月", "今年", "去年", "近7天", "近30天", "上周", "本季度", "今年以来", "上个季度", "昨天", "10月份"]
# One line per README shape; {P} period, {D} district, {S} street, {C} subcategory, {K} kind, {B} department.
shapes = [
    "{P}工单量", "{P}{D}工单量", "{P}各区工单量排名", "{P}{D}各街道投诉量排名", "{P}{D}{C}类投诉有多少件",
    "{P}{C}投诉最多的前五个街道", "{P}哪个部门承办的工单最多", "{P}各渠道来源占比", "{P}{D}满意率",
    "{P}各区满意率和解决率", "{P}工单量环比变化多少", "{P}{D}按时办结率", "{P}平均办理时长最长的五个部门",
    "{P}{S}的工单量", "{P}{D}未办结的工单有多少", "{P}{K}有几条", "{P}{D}{K}有多少", "{P}{B}承办的工单量",
    "{P}{D}各项指标", "{P}各区{K}占本区工单的比例", "{P}{D}在各区排第几", "{P}{C}的办结率",
    "{P}每天的工单量", "{P}各区工单量和上期比", "{P}{D}紧急工单有多少", "{P}满意率最低的5个街道",
    "{P}{D}每周的工单量", "{P}解决率低于80%的区", "{P}每个区投诉最多的3个街道", "{P}{C}占全部工单的比例",
    "列出{P}{D}的紧急工单", "{P}{D}超期工单有多少",
]
rng = random.Random(12345)
seen, out = set(), []
tries = 0
while len(out) < n and tries < n * 50:
    tries += 1
    q = rng.choice(shapes).format(P=rng.choice(periods), D=rng.choice(districts), S=rng.choice(streets),
                                  C=rng.choice(subs), K=rng.choice(kinds), B=rng.choice(depts))
    if q not in seen:
        seen.add(q); out.append(q)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "questions.txt")
with open(path, "w") as f:
    f.write("\n".join(out) + "\n")
print(f"{len(out)} questions -> {path}")
