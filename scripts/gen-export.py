#!/usr/bin/env python3
"""Writes a synthetic export in Beijing's 12345 layout (for `scripts/bench-import`):
title rows, 23 columns, mixed date forms, district prefixes, 不详, about 5% of tickets on
two rows, phone numbers in the text. Deterministic for a given --seed."""
import argparse, csv, random, datetime, sys

HEADER = ["工单编号", "工单类型", "问题分类", "标签", "标题", "主要内容", "工单状态", "来电人", "来电人电话/账号",
          "被反映区", "被反映街乡镇", "村/社区", "小区点位", "办理结果", "回复内容", "处理受理方式", "主办单位",
          "来电时间", "办结时间", "企业名称", "是否解决", "是否满意", "工单性质"]
DISTRICTS = {"朝阳区": ["望京街道", "三里屯街道", "酒仙桥街道", "麦子店街道"], "海淀区": ["中关村街道", "学院路街道", "海淀街道"],
             "东城区": ["东华门街道", "景山街道"], "西城区": ["什刹海街道", "金融街街道"], "丰台区": ["卢沟桥街道", "方庄街道"]}
CATS = ["城乡建设->物业管理->物业服务", "城乡建设->市容环境->垃圾清运", "公共服务->供水->停水", "公共服务->供暖->不热",
        "社会保障->社会保险->医保", "交通管理->停车管理", "卫生健康->控烟", "市场监管->消费维权->退款"]
KINDS = ["投诉", "求助", "咨询", "举报", "建议", "诉求", "控烟", "表扬", "感谢"]
CHANNELS = ["电话", "电话", "电话", "微信公众号", "网站", "北京通", "110接警", "上级派发"]
STATUS = ["回复完成", "回复完成", "回复完成", "处理中", "已归档", "待受理"]

def fmt(t, r):
    k = r.random()
    if k < 0.4: return t.strftime("%Y-%m-%d %H:%M:%S")
    if k < 0.6: return f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}"
    if k < 0.7: return f"{t.year}年{t.month}月{t.day}日{'下午' if t.hour >= 12 else '上午'}{t.hour - 12 if t.hour > 12 else t.hour}时{t.minute}分"
    if k < 0.8: return f"{(t - datetime.datetime(1899, 12, 30)).total_seconds() / 86400:.6f}"
    if k < 0.9: return t.strftime("%Y%m%d%H%M%S")
    return f"{t.year}.{t.month}.{t.day} {t.hour}:{t.minute:02d}"

def main():
    a = argparse.ArgumentParser()
    a.add_argument("--rows", type=int, default=200000)
    a.add_argument("--seed", type=int, default=1)
    a.add_argument("--encoding", default="utf-8")
    a.add_argument("--out", required=True)
    o = a.parse_args()
    r = random.Random(o.seed)
    start = datetime.datetime(2024, 1, 1)
    with open(o.out, "w", encoding=o.encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(["北京市12345接诉即办工单明细"])
        w.writerow(["导出时间：2025年1月1日"])
        w.writerow(HEADER)
        n = 0
        i = 0
        while n < o.rows:
            i += 1
            t = start + datetime.timedelta(seconds=r.randrange(365 * 86400))
            d = r.choice(list(DISTRICTS))
            s = r.choice(DISTRICTS[d])
            phone = f"1{r.choice('3589')}{r.randrange(10**9):09d}"
            closed = t + datetime.timedelta(hours=r.randrange(2, 200))
            st = r.choice(STATUS)
            row = [f"BJ{i:09d}", r.choice(KINDS), r.choice(CATS), "", "反映问题",
                   f"市民反映{s}附近问题，已多次反映，联系电话{phone}" if r.random() < 0.3 else f"市民反映{s}附近有问题需要处理",
                   st, "不详" if r.random() < 0.2 else "王先生", phone if r.random() < 0.9 else "不详",
                   d if r.random() < 0.97 else "不详", (d + s) if r.random() < 0.5 else s, "", "", "", "",
                   r.choice(CHANNELS), s + "办事处", fmt(t, r), fmt(closed, r) if st in ("回复完成", "已归档") else "",
                   "不详", r.choice(["已解决", "未解决", "部分解决", "不详"]), r.choice(["满意", "基本满意", "不满意", "未评价"]), "普通"]
            w.writerow(row)
            n += 1
            if r.random() < 0.05 and n < o.rows:
                row2 = list(row)
                row2[16] = d + "城市管理委员会"
                w.writerow(row2)
                n += 1

if __name__ == "__main__":
    main()
