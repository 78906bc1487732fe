"""The model of the Chinese administration: agencies and places resolved for a document's jurisdiction and year."""

import io

import pytest

from extract.gazetteer import (
    Entry,
    NamePattern,
    agencies,
    agency_resolver,
    infer_jurisdiction,
    jurisdiction_chain,
    load_csv_text,
    place_resolver,
    places,
    read_entries,
)
from ontology.errors import PolicyKGError
from ontology.gazetteer import GazetteerError, read_packaged, read_text

GZ, HP, HB, SJZ, GD, CN = "广州市", "广州市黄埔区", "河北省", "石家庄市", "广东省", "中国"

# (jurisdiction, year, name as written, expected id or None, expected canonical name or None)
CASES = [
    # explicit rows keep their ids and canonical names, whichever name a plan uses
    (GZ, 2021, "市市场监管局", "gz-amr", "广州市市场监督管理局"),
    (GZ, 2021, "市市场监督管理局（知识产权局）", "gz-amr", "广州市市场监督管理局"),
    (GZ, 2021, "广州市市场监管局", "gz-amr", "广州市市场监督管理局"),
    (GZ, None, "市发展改革委", "gz-drc", "广州市发展和改革委员会"),
    (GZ, None, "市发改委", "gz-drc", "广州市发展和改革委员会"),
    (GZ, None, "市科技局", "gz-sti", "广州市科学技术局"),
    (GZ, None, "各区人民政府", "gz-districts", "广州市各区人民政府"),
    (GZ, None, "广州仲裁委", "gz-arbitration", "广州仲裁委员会"),
    (GZ, None, "中国（广州）知识产权保护中心", "cn-ipr-protection-center-gz", "中国（广州）知识产权保护中心"),
    # a materialised name of an explicit pair is the explicit entry, never a second id
    (GZ, None, "广州市科学技术局", "gz-sti", "广州市科学技术局"),
    (GZ, None, "市知识产权局", "gz-amr", "广州市市场监督管理局"),
    (GZ, None, "市文旅局", "gz-culture", "广州市文化广电旅游局"),
    # 1./3. functions materialised for the chain: 市 = this city, 省 = this province
    (GZ, None, "省科技厅", "gd-sti", "广东省科学技术厅"),
    (GZ, None, "省发展改革委", "440000-drc", "广东省发展和改革委员会"),
    (GZ, None, "市财政局", "gz-fin-bureau", "广州市财政局"),
    (GZ, None, "市住房城乡建设局", "440100-housing", "广州市住房和城乡建设局"),
    (GZ, None, "市人社局", "gz-hrss", "广州市人力资源和社会保障局"),
    (HB, None, "省科技厅", "130000-sti", "河北省科学技术厅"),
    (HB, None, "省人力资源社会保障厅", "130000-hrss", "河北省人力资源和社会保障厅"),
    (SJZ, None, "市科技局", "130100-sti", "石家庄市科学技术局"),
    (SJZ, None, "省工信厅", "130000-iit", "河北省工业和信息化厅"),
    (SJZ, None, "市发改委", "130100-drc", "石家庄市发展和改革委员会"),
    ("北京市", None, "市科技局", "110000-sti", "北京市科学技术局"),
    ("新疆维吾尔自治区", None, "自治区发展改革委", "650000-drc", "新疆维吾尔自治区发展和改革委员会"),
    ("新疆维吾尔自治区", None, "区发展改革委", "650000-drc", "新疆维吾尔自治区发展和改革委员会"),
    ("延边朝鲜族自治州", None, "州财政局", "222400-finance", "延边朝鲜族自治州财政局"),
    # names that carry their place resolve from anywhere
    (GZ, None, "河北省科学技术厅", "130000-sti", "河北省科学技术厅"),
    (GZ, None, "石家庄市发展改革委", "130100-drc", "石家庄市发展和改革委员会"),
    (CN, None, "深圳市市场监管局", "sz-amr", "深圳市市场监督管理局"),
    (GZ, None, "北京市朝阳区人民法院", "110105-court", "北京市朝阳区人民法院"),
    # 8. level prefixes relative to the chain: 市 in a district plan is the parent city
    (HP, None, "区科技局", "440112-sti", "广州市黄埔区科学技术局"),
    (HP, None, "区发展改革局", "440112-drc", "广州市黄埔区发展和改革局"),
    (HP, None, "市科技局", "gz-sti", "广州市科学技术局"),
    (HP, None, "省科技厅", "gd-sti", "广东省科学技术厅"),
    (HP, None, "区人民政府", "gz-huangpu", "广州市黄埔区人民政府"),
    (GZ, None, "区科技局", None, None),  # 区 in a city plan with no district: unresolved
    (GD, None, "市科技局", None, None),  # 市 in a provincial plan: which city?
    (GZ, None, "市甲局", None, None),
    (GZ, None, "省不存在厅", None, None),
    # 2. national bodies, short forms without a level prefix
    (CN, None, "人力资源社会保障部", "cn-mohrss", "中华人民共和国人力资源和社会保障部"),
    (CN, None, "发展改革委", "cn-ndrc", "国家发展和改革委员会"),
    (CN, None, "市场监管总局", "cn-samr", "国家市场监督管理总局"),
    (CN, None, "医保局", "cn-nhsa", "国家医疗保障局"),
    (CN, None, "药监局", "cn-nmpa", "国家药品监督管理局"),
    (CN, None, "统计局", "cn-nbs", "国家统计局"),
    (CN, None, "税务总局", "cn-sat", "国家税务总局"),
    (CN, None, "知识产权局", "cn-cnipa", "国家知识产权局"),
    (CN, None, "证监会", "cn-csrc", "中国证券监督管理委员会"),
    (CN, 2020, "银保监会", "cn-cbirc", "中国银行保险监督管理委员会"),
    ("", None, "财政部", "cn-mof", "中华人民共和国财政部"),
    (CN, None, "中央网信办", "cn-cac", "中共中央网络安全和信息化委员会办公室"),
    (CN, None, "全国总工会", "cn-acftu", "中华全国总工会"),
    (CN, None, "共青团中央", "cn-youth-league", "中国共产主义青年团中央委员会"),
    (CN, None, "中国残联", "cn-cdpf", "中国残疾人联合会"),
    (CN, None, "最高人民法院", "cn-spc", "最高人民法院"),
    (GZ, None, "发展改革委", None, None),  # ambiguous in a city plan: the city's or the nation's?
    (GZ, None, "统计局", None, None),
    (GZ, None, "财政部", "cn-mof", "中华人民共和国财政部"),  # no local body is a 部
    (GZ, None, "国家发展改革委", "cn-ndrc", "国家发展和改革委员会"),
    # reforms: each document is read with the bodies of its own time
    (CN, 2016, "工商总局", "cn-saic", "国家工商行政管理总局"),
    (CN, 2016, "国家卫生计生委", "cn-nhfpc", "国家卫生和计划生育委员会"),
    (CN, 2016, "国土资源部", "cn-mlr", "中华人民共和国国土资源部"),
    (CN, 2016, "环境保护部", "cn-mep", "中华人民共和国环境保护部"),
    (CN, 2016, "农业部", "cn-moa-old", "中华人民共和国农业部"),
    (CN, 2016, "文化部", "cn-moc", "中华人民共和国文化部"),
    (CN, 2016, "医保局", None, None),  # founded 2018
    (CN, 2016, "数据局", None, None),  # founded 2023
    (CN, 2024, "数据局", "cn-nda", "国家数据局"),
    (CN, 2022, "乡村振兴局", "cn-nrra", "国家乡村振兴局"),
    (CN, 2024, "金融监管总局", "cn-nfra", "国家金融监督管理总局"),
    (CN, 2025, "银保监会", "cn-cbirc", "中国银行保险监督管理委员会"),  # dissolved: resolves, valid_to says so
    (GZ, 2012, "市科技和信息化局", "gz-sti-info", "广州市科技和信息化局"),
    (GZ, 2012, "市经贸委", "gz-etc", "广州市经济贸易委员会"),
    (GZ, 2012, "市国土房管局", "gz-land-housing", "广州市国土资源和房屋管理局"),
    (GZ, 2012, "市工商局", "gz-aic", "广州市工商行政管理局"),
    (GZ, 2012, "市质监局", "gz-qts", "广州市质量技术监督局"),
    (GZ, 2016, "市食品药品监管局", "gz-fda", "广州市食品药品监督管理局"),
    (GZ, 2012, "市医保局", None, None),
    (GZ, 2012, "市场监管局", None, None),
    (GD, 2025, "省政务和数据局", "440000-data", "广东省政务服务和数据管理局"),
    (GD, 2025, "省委金融办", "440000-party-finance", "中共广东省委金融委员会办公室"),
    (GD, 2020, "省委金融办", None, None),
    (HB, 2016, "省工商局", "130000-aic", "河北省工商行政管理局"),
    # 4. stationed bodies, recognised by shape with a place name
    (GZ, None, "人民银行广州分行", "440100-pbc", "中国人民银行广州市分行"),
    (GZ, None, "中国人民银行广东省分行", "440000-pbc", "中国人民银行广东省分行"),
    (GZ, 2020, "人行清远市中心支行", "441800-pbc-sub", "中国人民银行清远市中心支行"),
    (GZ, 2025, "人民银行清远市分行", "441800-pbc", "中国人民银行清远市分行"),
    (GZ, 2024, "国家金融监督管理总局广东监管局", "440000-nfra", "国家金融监督管理总局广东监管局"),
    (GZ, 2024, "广东金融监管局", "440000-nfra", "国家金融监督管理总局广东监管局"),
    (GZ, 2020, "广东银保监局", "440000-cbirc", "中国银行保险监督管理委员会广东监管局"),
    (GZ, None, "深圳证监局", "440300-csrc", "中国证券监督管理委员会深圳监管局"),
    (GZ, None, "广州海关", "customs-guangzhou", "广州海关"),
    (GZ, None, "南京海关", "320100-customs", "南京海关"),
    (GZ, None, "海关总署广东分署", "440000-customs-branch", "海关总署广东分署"),
    (GZ, None, "广州海事局", "440100-maritime", "广州海事局"),
    (GZ, None, "国家税务总局广东省税务局", "440000-tax", "国家税务总局广东省税务局"),
    (GZ, 2021, "市税务局", "440100-tax", "国家税务总局广州市税务局"),
    (GD, 2021, "省税务局", "440000-tax", "国家税务总局广东省税务局"),
    (GZ, None, "某某海关", None, None),
    # 5. party bodies and mass organisations at every level
    (GZ, None, "市委", "gz-party", "中共广州市委员会"),
    (GZ, None, "省委", "gd-party", "中共广东省委员会"),
    (GZ, None, "市委宣传部", "gz-propaganda", "中共广州市委宣传部"),
    (GZ, None, "市委组织部", "440100-org", "中共广州市委组织部"),
    (GZ, None, "市委政法委", "440100-pol-legal", "中共广州市委政法委员会"),
    (GZ, None, "市委网信办", "440100-cac", "中共广州市委网络安全和信息化委员会办公室"),
    (GZ, None, "市委编办", "440100-establishment", "中共广州市委机构编制委员会办公室"),
    (HP, None, "区委统战部", "440112-united-front", "中共广州市黄埔区委统战部"),
    (GZ, None, "团市委", "440100-youth-league", "共青团广州市委员会"),
    (GD, None, "团省委", "440000-youth-league", "共青团广东省委员会"),
    (HP, None, "团区委", "440112-youth-league", "共青团广州市黄埔区委员会"),
    (GZ, None, "市科协", "440100-cast", "广州市科学技术协会"),
    (GD, None, "省妇联", "440000-women", "广东省妇女联合会"),
    (HP, None, "区总工会", "440112-union", "广州市黄埔区总工会"),
    (GZ, None, "市残联", "440100-disabled", "广州市残疾人联合会"),
    (GZ, None, "市侨联", "440100-overseas-chinese", "广州市归国华侨联合会"),
    (GZ, None, "市文联", "440100-arts", "广州市文学艺术界联合会"),
    (GZ, None, "市工商联", "gz-acfic", "广州市工商业联合会"),
    (GZ, None, "市贸促会", "gz-ccpit", "中国国际贸易促进委员会广州市委员会"),
    (GZ, None, "市红十字会", "440100-redcross", "广州市红十字会"),
    # 6. collectives
    (CN, None, "各省级人民政府", "cn-provinces", "各省级人民政府"),
    (CN, None, "各省、自治区、直辖市人民政府", "cn-provinces", "各省级人民政府"),
    (CN, None, "各有关省级人民政府", "cn-some-provinces", "各有关省级人民政府"),
    ("海南省", None, "各市县政府", "460000-cities-counties", "海南省各市县人民政府"),
    ("四川省", None, "各市（州）人民政府", "510000-prefectures", "四川省各市（州）人民政府"),
    ("深圳市", None, "各区人民政府", "440300-districts", "深圳市各区人民政府"),
    (GZ, None, "有关部门", "any-relevant-departments", "有关部门"),
    (GZ, None, "各有关单位", "any-relevant-departments", "有关部门"),
    (GZ, None, "试点城市政府", "any-pilot-city-governments", "试点城市政府"),
    (GZ, None, "各项目牵头单位", "any-project-leads", "各项目牵头单位"),
    (GZ, None, "各片区", "any-zone-areas", "各片区"),
    (GZ, None, "区内各相关企业", "any-enterprises-in-zone", "区内各相关企业"),
    (GD, None, "各区人民政府", None, None),  # a province has no districts of its own
    # 7. courts and procuratorates
    (GZ, None, "省高院", "gd-higher-court", "广东省高级人民法院"),
    (HB, None, "省高级人民法院", "130000-court", "河北省高级人民法院"),
    (GZ, None, "市中院", "gz-court", "广州市中级人民法院"),
    (SJZ, None, "市中级人民法院", "130100-court", "石家庄市中级人民法院"),
    (HP, None, "区法院", "440112-court", "广州市黄埔区人民法院"),
    (HP, None, "区检察院", "440112-procuratorate", "广州市黄埔区人民检察院"),
    (GZ, None, "市检察院", "gz-procuratorate", "广州市人民检察院"),
    (HB, None, "省检察院", "130000-procuratorate", "河北省人民检察院"),
    (GZ, None, "广州知识产权法院", "gz-ip-court", "广州知识产权法院"),
    (CN, None, "北京知识产权法院", "bj-ip-court", "北京知识产权法院"),
    (GZ, None, "区法院", None, None),
]


@pytest.mark.parametrize("jurisdiction,year,name,expected_id,expected_name", CASES,
                         ids=[f"{j or '-'}-{y}-{n}" for j, y, n, *_ in CASES])
def test_resolve(jurisdiction, year, name, expected_id, expected_name):
    e = agency_resolver(jurisdiction, year).resolve(name)
    assert (e.id if e else None, e.name if e else None) == (expected_id, expected_name)


def test_the_same_body_has_one_id_in_every_document():
    ids = {agency_resolver(j).resolve(n).id for j, n in [(GZ, "市科技局"), (HP, "市科技局"), (CN, "广州市科学技术局"),
                                                        (SJZ, "广州市科技局"), (GZ, "广州市科学技术局")]}
    assert ids == {"gz-sti"}


def test_a_dissolved_body_is_marked():
    r = agency_resolver(CN, 2025)
    e = r.resolve("银保监会")
    assert r.dissolved(e) and e.valid_to == 2023 and e.successor == "cn-nfra"
    assert r.get(e.successor).name == "国家金融监督管理总局"
    assert not agency_resolver(CN, 2020).dissolved(e)
    old = agency_resolver(GZ, 2012).resolve("市工商局")
    assert old.successor == "gz-amr"


def test_minted_entries_know_their_place_function_and_parent():
    r = agency_resolver(SJZ)
    e = r.resolve("市科技局")
    assert (e.level, e.kind, e.jurisdiction, e.place_code, e.function) == ("city", "government", SJZ, "130100", "sti")
    assert r.get(e.parent).name == "石家庄市人民政府"
    assert r.get("130100-sti") == e
    district = agency_resolver(HP).resolve("区科技局")
    assert district.level == "district" and district.jurisdiction == "广州市黄埔区"


def test_stationed_bodies_are_kinds_of_their_own():
    r = agency_resolver(GZ)
    kinds = {n: r.resolve(n).kind for n in ("人民银行广州分行", "广东金融监管局", "深圳证监局", "南京海关", "广州海事局", "市税务局")}
    assert kinds == {"人民银行广州分行": "central-bank", "广东金融监管局": "financial-regulator",
                     "深圳证监局": "securities-regulator", "南京海关": "customs", "广州海事局": "maritime",
                     "市税务局": "tax"}


def test_collective_members():
    r = agency_resolver(GZ)
    gz = r.resolve("各区人民政府")
    assert len(gz.members) == 11 and len(r.members(gz)) == 11
    assert r.members(gz)[0].name == "广州市越秀区人民政府"
    assert not gz.open
    sz = agency_resolver("深圳市").resolve("各区人民政府")
    assert "深圳市南山区人民政府" in {m.name for m in agency_resolver("深圳市").members(sz)}
    provinces = agency_resolver(CN).resolve("各省级人民政府")
    assert len(provinces.members) == 31
    sichuan = agency_resolver("四川省").resolve("各市（州）人民政府")
    assert len(sichuan.members) == 21
    assert agency_resolver("海南省").members(agency_resolver("海南省").resolve("各市县政府"))
    for name in ("有关部门", "试点城市政府", "各项目牵头单位"):
        e = agency_resolver(GZ).resolve(name)
        assert e.open and e.members == () and agency_resolver(GZ).members(e) == ()
    assert agency_resolver(CN).resolve("各有关省级人民政府").open


PLACES = [
    ("广州", "gz", "广州市"),
    ("广州市", "gz", "广州市"),
    ("河北", "cn-130000", "河北省"),
    ("新疆", "cn-650000", "新疆维吾尔自治区"),
    ("内蒙古", "cn-150000", "内蒙古自治区"),
    ("黄埔区", "gz-huangpu", "黄埔区"),
    ("广州市黄埔区", "gz-huangpu", "黄埔区"),
    ("北京市朝阳区", "cn-110105", "朝阳区"),
    ("朝阳区", None, None),  # 北京 and 长春 both have one
    ("延边", "cn-222400", "延边朝鲜族自治州"),
    ("石家庄", "cn-130100", "石家庄市"),
    ("雄安新区", "cn-133100", "雄安新区"),
    ("中国", "cn", "中国"),
    ("新加坡", "sg", "新加坡"),
    ("香港", "hk", "香港特别行政区"),
    ("中新广州知识城", "gz-knowledge-city", "中新广州知识城"),
    ("粤港澳大湾区", "gba", "粤港澳大湾区"),
    ("京津冀", "jjj", "京津冀"),
    ("上海自贸试验区", "sh-ftz", "中国（上海）自由贸易试验区"),
    ("某某市", None, None),
]


@pytest.mark.parametrize("name,expected_id,expected_name", PLACES, ids=[p[0] for p in PLACES])
def test_place(name, expected_id, expected_name):
    e = place_resolver().resolve(name)
    assert (e.id if e else None, e.name if e else None) == (expected_id, expected_name)


def test_divisions_counts_and_codes():
    rows = read_packaged("divisions.csv")
    levels = {lv: sum(r["level"] == lv for r in rows) for lv in ("province", "prefecture", "county")}
    assert levels["province"] == 34 and levels["prefecture"] > 330 and levels["county"] > 2800
    gz = place_resolver().resolve("广州")
    assert gz.place_code == "440100" and gz.parent == "gd"
    assert place_resolver().get("cn-440100") == gz  # the code-derived id names the listed place too
    assert {p.id for p in places()} >= {"gz", "gd", "cn", "gz-huangpu", "cn-130100"}


def test_place_pattern_finds_names_in_running_text():
    text = "推动粤港澳大湾区、京津冀和新疆协同，在广州市黄埔区和中新广州知识城试点。"
    found = [m.group(0) for m in place_resolver().pattern.finditer(text)]
    assert found == ["粤港澳大湾区", "京津冀", "新疆", "广州市黄埔区", "中新广州知识城"]
    # country names are data; the extractor decides on token boundaries (中国专利奖)
    assert "中国" in place_resolver().pattern.names


def test_agency_pattern_covers_the_chain_and_longest_wins():
    p = agency_resolver(GZ).pattern
    text = "由市市场监督管理局（知识产权局）、市科技局、省科技厅和市委组织部负责"
    assert [m.group(0) for m in p.finditer(text)] == ["市市场监督管理局（知识产权局）", "市科技局", "省科技厅", "市委组织部"]
    assert p.match("市科技局、", 0).end() == 4
    assert p.match("某局", 0) is None
    assert len(p) < 5000  # the chain's bodies, not every division's


def test_name_pattern_is_a_dictionary_scan():
    p = NamePattern(["甲乙", "甲乙丙", "丙丁"])
    assert [m.span() for m in p.finditer("甲乙丙丁甲乙")] == [(0, 3), (4, 6)]
    assert p.match("x甲乙", 1).group(0) == "甲乙"


def test_jurisdiction_chain():
    assert jurisdiction_chain(GZ) == ("广州市", "广东省", "中国")
    assert jurisdiction_chain(HP) == ("黄埔区", "广州市", "广东省", "中国")
    assert jurisdiction_chain(SJZ) == ("石家庄市", "河北省", "中国")
    assert jurisdiction_chain("北京市朝阳区") == ("朝阳区", "北京市", "中国")
    assert jurisdiction_chain("某地") == ("某地",)
    assert jurisdiction_chain("") == ()


def test_shared_prefix_expansion():
    r = agency_resolver(GZ)
    assert r.expand_prefix("科技局", "市发展改革委")[1].id == "gz-sti"
    assert r.expand_prefix("宣传部", "市委组织部") == ("市委宣传部", r.resolve("市委宣传部"))
    assert agency_resolver(HP).expand_prefix("检察院", "区法院")[1].id == "440112-procuratorate"
    assert r.expand_prefix("科技局", "") is None


INFER = [
    (("河北省科技创新“十四五”规划", "", []), ("河北省", "title: 河北省科技创新“十四五”规划")),
    (("广州市黄埔区知识产权促进办法", "", []), ("广州市黄埔区", "title: 广州市黄埔区知识产权促进办法")),
    (("关于印发石家庄市数字经济发展规划的通知", "", []), ("石家庄市", "title: 关于印发石家庄市数字经济发展规划的通知")),
    (("“十四五”国家知识产权保护和运用规划", "国务院", []), ("中国", "issuer: 国务院")),
    (("某某工作要点", "广州市市场监督管理局", []), ("广州市", "issuer: 广州市市场监督管理局")),
    (("某某工作要点", "河北省科学技术厅", []), ("河北省", "issuer: 河北省科学技术厅")),
    (("", "", ["人力资源社会保障部", "财政部", "市场监管总局"]),
     ("中国", "names: 人力资源社会保障部, 财政部, 市场监管总局 (national bodies without a level prefix)")),
    (("", "", ["广州市科学技术局", "市科技局", "广州市财政局"]),
     ("广州市", "names: 广州市科学技术局, 广州市财政局 (named with their place)")),
    (("某某规划", "", ["市甲局", "市科技局"]), None),
    (("", "", []), None),
]


@pytest.mark.parametrize("args,expected", INFER, ids=[a[0] or a[1] or ",".join(a[2]) or "nothing" for a, _ in INFER])
def test_infer_jurisdiction(args, expected):
    assert infer_jurisdiction(*args) == expected


# The reader


def test_bad_row_names_file_and_line():
    text = "id,name,aliases,level,kind\nq,某局,,city,government\nr,,,city,government\n"
    with pytest.raises(GazetteerError) as exc:
        read_text(text, "agencies.csv")
    assert str(exc.value) == "agencies.csv:3: missing name"
    assert isinstance(exc.value, PolicyKGError)


@pytest.mark.parametrize("text,message", [
    ("id,name\nq,某局\nq,某委\n", "agencies.csv:3: duplicate id 'q' (first on line 2)"),
    ("id,name,valid_from\nq,某局,20x1\n", "agencies.csv:2: valid_from '20x1' is not a year"),
    ("id,name\nq,某局,多余\n", "agencies.csv:2: 3 cells for 2 columns"),
    ("name\n某局\n", "agencies.csv:1: header lacks column 'id'"),
    ("# a comment\nid,name\nq,某局\n,某委\n", "agencies.csv:4: missing id"),
])
def test_bad_rows(text, message):
    with pytest.raises(GazetteerError, match="^" + message.replace("(", r"\(").replace(")", r"\)") + "$"):
        load_csv_text(text)


def test_bom_and_comments_are_accepted():
    rows = load_csv_text("\ufeffid,name,aliases,level,kind\nq,某局,甲|乙,city,government\n")
    assert rows == (Entry("q", "某局", ("甲", "乙"), "city", "government", "", ""),)
    assert read_text("\ufeff# note\nid,name\nq,某局\n", "x.csv")[0].line == 3
    places_rows = read_entries(io.StringIO("\ufeffid,name,aliases,kind,parent\ncn,中国,,country,\n"), places=True)
    assert places_rows[0].kind == "country"


def test_packaged_files_read_through_the_one_reader():
    assert {e.id for e in agencies()} >= {"gz-amr", "cn-ndrc", "cn-mohrss"}
    assert len(read_packaged("national.csv")) > 100 and len(read_packaged("functions.csv")) > 40
