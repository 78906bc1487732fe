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


MOA, MOT = "农业农村部法规司", "交通运输部"

# (jurisdiction, year, issuer, name as written, expected id or None, expected canonical name or None)
MODEL_CASES = [
    # units of the issuing ministry, named bare in its own national document
    (CN, 2022, MOA, "法规司", "cn-moa-法规司", "中华人民共和国农业农村部法规司"),
    (CN, 2022, MOA, "种植业管理司", "cn-moa-种植业管理司", "中华人民共和国农业农村部种植业管理司"),
    (CN, 2022, MOA, "畜牧兽医局", "cn-moa-畜牧兽医局", "中华人民共和国农业农村部畜牧兽医局"),
    (CN, 2022, MOA, "办公厅", "cn-moa-办公厅", "中华人民共和国农业农村部办公厅"),
    (CN, 2022, MOA, "部管理干部学院", "cn-moa-管理干部学院", "中华人民共和国农业农村部管理干部学院"),
    (CN, 2022, MOA, "各有关司局", "cn-moa-各司局", "中华人民共和国农业农村部各司局"),
    (CN, 2022, MOA, "部机关各司局", "cn-moa-各司局", "中华人民共和国农业农村部各司局"),
    (CN, 2022, MOA, "农业农村部法规司", "cn-moa-法规司", "中华人民共和国农业农村部法规司"),  # written in full: the same id
    (CN, 2022, MOT, "运输服务司", "cn-mot-运输服务司", "中华人民共和国交通运输部运输服务司"),
    (CN, 2022, MOT, "公路局", "cn-mot-公路局", "中华人民共和国交通运输部公路局"),
    (CN, 2022, MOA, "统计局", "cn-nbs", "国家统计局"),  # a national body keeps its own entry
    (CN, 2022, MOA, "全国农业技术推广服务中心", None, None),  # a centre of its own name stays unresolved
    (CN, 2022, "", "法规司", None, None),  # no issuer: whose 司?
    (CN, 2022, "国务院", "法规司", None, None),  # the State Council is no ministry with 司
    (GZ, 2022, MOA, "法规司", None, None),  # only in a national document
    # open collectives of a function
    (CN, 2022, MOA, "各省级农业农村部门", "cn-provincial-agri", "各省级农业农村主管部门"),
    (CN, 2022, MOT, "各省级交通运输主管部门", "cn-provincial-transport", "各省级交通运输主管部门"),
    (CN, 2022, "", "各省级知识产权管理部门", "cn-provincial-ip", "各省级知识产权主管部门"),
    (CN, 2022, "", "各省级甲乙部门", None, None),
    # collectives whose members the divisions data knows
    ("福建省", 2022, "", "各设区市人民政府", "350000-prefectures", "福建省各市（州）人民政府"),
    ("浙江省", 2022, "", "各设区市政府", "330000-prefectures", "浙江省各市（州）人民政府"),
    ("苏州市", 2022, "", "各市（区）人民政府", "320500-counties", "苏州市各县（市、区）人民政府"),
    ("宜昌市", 2022, "", "各县市区人民政府", "420500-counties", "宜昌市各县（市、区）人民政府"),
    ("杭州市", 2022, "", "各区、县（市）政府", "330100-counties", "杭州市各县（市、区）人民政府"),
    ("西安市", 2022, "", "各区县政府", "610100-counties", "西安市各县（市、区）人民政府"),
    ("湄潭县", 2024, "", "各镇（街道）", "520328-towns", "遵义市湄潭县各乡镇人民政府"),
    ("上海市徐汇区", 2022, "", "各街道（镇）", "310104-towns", "上海市徐汇区各乡镇人民政府"),
    ("闵行区", 2022, "", "各街镇", "310112-towns", "上海市闵行区各乡镇人民政府"),
    (CN, 2022, "国务院", "各地区", "cn-provinces", "各省级人民政府"),
    ("合肥市", 2022, "", "各开发区管委会", "340100-zones", "合肥市各开发区管委会"),
    ("苏州市", 2022, "", "市各相关部门", "320500-departments", "苏州市有关部门"),
    ("湖北省", 2022, "", "省直有关单位", "420000-departments", "湖北省有关部门"),
    ("闵行区", 2022, "", "区政府各部门", "310112-departments", "上海市闵行区有关部门"),
    # missing functions and local short names
    ("苏州市", 2022, "", "市大数据局", "320500-data", "苏州市政务服务和数据管理局"),
    ("苏州市", 2022, "", "市政务办", "320500-data", "苏州市政务服务和数据管理局"),
    ("合肥市", 2022, "", "市数据资源局", "340100-data", "合肥市政务服务和数据管理局"),
    ("武汉市", 2022, "", "市城管执法委", "420100-urban", "武汉市城市管理局"),
    ("苏州市", 2022, "", "市城管局", "320500-urban", "苏州市城市管理局"),
    ("上海市徐汇区", 2022, "", "区绿化市容局", "310104-greening", "上海市徐汇区绿化和市容管理局"),
    ("上海市徐汇区", 2022, "", "区卫生健康委", "310104-health", "上海市徐汇区卫生健康局"),
    ("浙江省", 2022, "", "省供销社", "330000-coop", "浙江省供销合作社联合社"),
    ("福建省", 2022, "", "省海洋渔业局", "350000-fishery", "福建省海洋与渔业局"),
    ("深圳市南山区", 2022, "", "区委依法治区办", "440305-rule-of-law", "中共深圳市南山区委全面依法治区委员会办公室"),
    ("湄潭县", 2024, "", "县茶产业发展中心", None, None),  # a local centre stays unresolved
    # stationed bodies of national departments, by shape
    ("江西省", 2022, "", "省通信管理局", "360000-telecom", "江西省通信管理局"),
    ("浙江省", 2022, "", "省邮政管理局", "330000-postal", "浙江省邮政管理局"),
    ("合肥市", 2022, "", "市气象局", "340100-weather", "合肥市气象局"),
    ("浙江省", 2022, "", "国家统计局浙江调查总队", "330000-survey", "国家统计局浙江调查总队"),
    ("杭州市", 2022, "", "国家外汇管理局浙江省分局", "330000-safe", "国家外汇管理局浙江省分局"),
    (GD, 2024, "", "金融监管总局广东监管局", "440000-nfra", "国家金融监督管理总局广东监管局"),
    (GZ, 2012, "", "广东银监局", "440000-cbrc", "中国银行业监督管理委员会广东监管局"),
    # branches and offices of a body: the body's id and the unit's name
    ("深圳市南山区", 2022, "", "市市场监管局南山监管局", "sz-amr-南山监管局", "深圳市市场监督管理局南山监管局"),
    ("湄潭县", 2024, "", "市生态环境局湄潭分局", "520300-eco-湄潭分局", "遵义市生态环境局湄潭分局"),
    ("武汉市江岸区", 2022, "", "区市场监管局登记注册科", "420102-amr-登记注册科", "武汉市江岸区市场监督管理局登记注册科"),
    (GZ, 2022, "", "人民银行广州分行营业管理部", "440100-pbc-营业管理部", "中国人民银行广州市分行营业管理部"),
    ("深圳市南山区", 2022, "", "区政府督查室", "440305-gov-督查室", "深圳市南山区人民政府督查室"),
    ("湄潭县", 2024, "", "县黄家坝街道办事处", None, None),  # a township's office is no unit of the county
    # zones: the bodies of the zone's 管委会, minted from the zone id and the function
    ("苏州工业园区", 2022, "", "园区财政局", "suzhou-ip-finance", "苏州工业园区财政局"),
    ("苏州工业园区", 2022, "", "园区科创委", "suzhou-ip-sti", "苏州工业园区科学技术局"),
    ("苏州工业园区", 2022, "", "园区党工委组织部", "suzhou-ip-org", "中共苏州工业园区党工委组织部"),
    ("苏州工业园区", 2022, "", "园区党政办", "suzhou-ip-gov-office", "苏州工业园区党政办公室"),
    ("天津经济技术开发区", 2022, "", "区经济发展局", "tj-teda-economy", "天津经济技术开发区经济发展局"),
    ("天津经济技术开发区", 2022, "", "市药监局", "120000-mpa", "天津市药品监督管理局"),
    ("石家庄高新技术产业开发区", 2022, "", "区科技创新局", "sjz-hitech-sti", "石家庄高新技术产业开发区科学技术局"),
    ("石家庄高新技术产业开发区", 2022, "", "国家税务总局石家庄高新技术产业开发区税务局", "sjz-hitech-tax",
     "国家税务总局石家庄高新技术产业开发区税务局"),
    ("中国（四川）自由贸易试验区成都天府新区片区", 2022, "", "新区金融局", "tianfu-local-finance", "四川天府新区金融工作局"),
    ("福建省", 2022, "", "平潭综合实验区管委会", "pingtan-gov", "平潭综合实验区管理委员会"),
    ("西安市", 2022, "", "西咸新区", "xixian-gov", "陕西西咸新区管理委员会"),
    # bracketed aliases
    ("深圳市", 2022, "", "各区政府（新区管委会）", "440300-districts", "深圳市各区人民政府"),
    (HP, 2022, "", "区市场监管局（知识产权局）", "440112-amr", "广州市黄埔区市场监督管理局"),
    ("山东省", 2022, "", "省市场监管局（省知识产权局）", "370000-amr", "山东省市场监督管理局"),
    (HP, 2022, "", "区（开发区）科技局", "440112-sti", "广州市黄埔区科学技术局"),
    ("山东省", 2022, "", "齐鲁工业大学（省科学院）", None, None),
]


@pytest.mark.parametrize("jurisdiction,year,issuer,name,expected_id,expected_name", MODEL_CASES,
                         ids=[f"{j or '-'}-{i or '-'}-{n}" for j, y, i, n, *_ in MODEL_CASES])
def test_resolve_by_model(jurisdiction, year, issuer, name, expected_id, expected_name):
    r = agency_resolver(jurisdiction, year, issuer)
    e = r.resolve(name)
    assert (e.id if e else None, e.name if e else None) == (expected_id, expected_name)
    if e is not None:
        assert r.get(e.id) == e  # a minted id is found again
        assert r.resolve(name) is e  # deterministic


def test_minted_units_know_their_parent_and_kind():
    r = agency_resolver(CN, 2022, MOA)
    unit = r.resolve("人事司")
    assert (unit.parent, unit.kind, unit.level) == ("cn-moa", "internal", "national")
    assert r.resolve("各派出机构").open
    branch = agency_resolver("深圳市南山区").resolve("市市场监管局南山监管局")
    assert (branch.parent, branch.kind) == ("sz-amr", "branch")
    telecom = agency_resolver("江西省").resolve("省通信管理局")
    assert (telecom.kind, telecom.parent) == ("stationed", "cn-miit")
    zone = agency_resolver("苏州工业园区").resolve("园区财政局")
    assert zone.parent == "suzhou-ip-gov" and agency_resolver("苏州工业园区").get(zone.parent).name == "苏州工业园区管理委员会"
    assert len(agency_resolver("江苏省").resolve("各设区市人民政府").members) == 13


def test_issuer_resolvers_are_cached_apart():
    assert agency_resolver(CN, 2022, MOA) is agency_resolver(CN, 2022, MOA)
    assert agency_resolver(CN, 2022, MOA) is not agency_resolver(CN, 2022)


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


def test_ids_minted_by_shape_are_found_in_a_fresh_resolver():
    r = agency_resolver("重庆市")
    assert r.get("cn-moa-种业管理司").name == "中华人民共和国农业农村部种业管理司"
    assert r.get("cn-provincial-transport").name == "各省级交通运输主管部门"
    assert r.get("sz-amr-福田监管局").parent == "sz-amr"
    assert r.get("tj-teda-finance").name == "天津经济技术开发区财政局"
