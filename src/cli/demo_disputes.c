/* A year of disputes and petitions for the demo county, through the case
 * engine (see demo_disputes.h for what is made and why this way). */
#include "cli/demo_disputes.h"

#include "cli/demo_county.h"
#include "cli/demo_map.h"
#include "cli/demo_people.h"
#include "cli/demo_walk.h"
#include "cli/progress.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/ident.h"
#include "domain/case.h"
#include "domain/category.h"
#include "domain/department.h"
#include "domain/dispute.h"
#include "domain/mediation.h"
#include "domain/region.h"
#include "domain/role.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MINUTE_MS ((int64_t)60 * 1000)
#define HOUR_MS (60 * MINUTE_MS)
#define DAY_MS (24 * HOUR_MS)
#define WORKDAY_MIN 480 /* working minutes in a working day */
#define NONE (-1)

/* ---- what disputes are about ---------------------------------------------------- */

/* A dispute of each minor category: how often (relative, per mille of all
 * disputes), what the applicant says, the subject matter, the amount in
 * dispute (yuan, none when max is 0), the organisation on one side (its
 * trade, appended to a firm's name; NULL: persons on both sides) and the
 * terms of an agreement without money. Categories are data: one missing
 * here is described by its name and comes at weight 5. */
struct dispute_text {
	char code[5];
	unsigned weight;
	const char *detail, *subject;
	int64_t amount_min, amount_max;
	const char *org;
	bool org_applies; /* the organisation is the applicant */
	const char *terms;
};

static const struct dispute_text dispute_texts[] = {
	{"1101", 50, "夫妻双方因感情不和长期分居，女方提出离婚，双方对子女抚养和共同财产分割分歧较大",
         "离婚及共同财产分割", 0, 0, NULL, false,
         "双方同意协议离婚，子女随女方生活，男方按月支付抚养费，共同财产按协议分割"},
	{"1102", 20, "申请人反映丈夫酒后多次对其动手打骂，要求制止家暴并调解家庭矛盾", "家庭暴力及夫妻关系",
         0, 0, NULL, false, "被申请人认识到错误并书面保证不再实施家庭暴力，村妇联和网格员定期上门回访"},
	{"1103", 50, "老人反映几个子女互相推诿，不履行赡养义务，生活无人照料", "老人赡养费及照料安排", 3600,
         12000, NULL, false, "子女轮流照料老人，每人每月支付赡养费，老人患病医疗费用平均分担"},
	{"1104", 20, "双方离婚后因孩子抚养费支付和探视安排发生争执", "子女抚养费及探视", 6000, 36000, NULL,
         false, "孩子随母亲生活，父亲每月按时支付抚养费，每月探视两次"},
	{"1105", 20, "兄弟姐妹之间因父母遗留的房屋和宅院继承分配发生争执", "父母遗留房屋继承", 50000, 300000,
         NULL, false, "遗留房屋由长子继承，长子给予其他继承人相应折价补偿"},
	{"1106", 40, "婆媳之间因家务琐事和孩子照看长期不和，多次发生争吵", "家庭成员关系", 0, 0, NULL, false,
         "双方互相体谅，分灶吃饭，日常家务由儿子儿媳承担，逢年过节共同团聚"},
	{"1201", 80, "两户村民因宅院之间排水沟走向发生争执，雨天污水流入对方院内", "相邻排水通道", 0, 0, NULL,
         false, "双方共同出资修建排水暗渠，沿原有巷道排入村组排水沟"},
	{"1202", 90, "邻居之间因门前堆放柴草杂物、占用通道多次发生口角", "门前通道使用", 0, 0, NULL, false,
         "被申请人三日内清理门前柴草杂物，保持通道畅通，双方今后互谅互让、和睦相处"},
	{"1203", 40, "邻里争吵中发生推搡，申请人摔倒受伤住院，双方对医疗费和误工费赔偿发生争议",
         "医疗费及误工费赔偿", 2000, 30000, NULL, false, NULL},
	{"1204", 30, "邻居家散养的鸡鸭多次啃食申请人菜地和果园，双方就赔偿数额协商不成", "庄稼损失赔偿", 200,
         5000, NULL, false, NULL},
	{"1301", 20, "业主反映物业公司保洁、安保不到位，电梯长期故障，与物业公司发生争议", "物业服务质量", 0,
         0, "物业服务有限公司", false, "物业公司一个月内完成电梯维修并加强保洁安保，每季度公示服务情况"},
	{"1302", 30, "物业公司反映业主长期拖欠物业费，业主以服务不到位为由拒交", "拖欠物业费", 1200, 8000,
         "物业服务有限公司", true, NULL},
	{"1303", 5, "部分业主对业主委员会使用小区公共收益不公开提出异议", "小区公共收益使用", 0, 0, NULL,
         false, "业主委员会十日内公示近三年公共收益收支明细，重大支出提交业主大会表决"},
	{"1304", 25, "租户提前退租，房东以房屋受损为由拒不退还押金，双方发生争执", "租房押金退还", 1000, 6000,
         NULL, false, NULL},
	{"1305", 10, "购房户反映新房墙体开裂、卫生间渗水，开发商迟迟不予维修", "房屋质量维修", 10000, 80000,
         "房地产开发有限公司", false, NULL},
	{"1401", 60, "多名农民工反映在建筑工地务工后，用工单位拖欠工资至今未付", "拖欠务工工资", 8000, 260000,
         "建筑劳务有限公司", false, NULL},
	{"1402", 30, "员工被公司单方面解除劳动合同，要求支付经济补偿金", "解除劳动合同经济补偿", 5000, 50000,
         "农产品加工有限公司", false, NULL},
	{"1403", 20, "工人在厂内作业时受伤，与企业就工伤待遇和赔偿数额发生争议", "工伤赔偿", 20000, 150000,
         "机械制造有限公司", false, NULL},
	{"1404", 20, "村民为他人修建房屋帮工，房主以质量问题为由拖欠劳务费", "劳务报酬", 1500, 15000, NULL,
         false, NULL},
	{"1501", 30, "两户村民因承包地界畔不清发生争执，双方各执一词", "承包地界畔", 0, 0, NULL, false,
         "由村委会组织双方重新丈量，按承包合同确定界畔并埋设界桩"},
	{"1502", 25, "种植大户流转村民土地种植猕猴桃，拖欠两年土地流转费", "土地流转费", 3000, 60000,
         "果业专业合作社", false, NULL},
	{"1503", 40, "两户村民因宅基地界址不清，翻建房屋时发生争执", "宅基地界址", 0, 0, NULL, false,
         "按宅基地使用证确定界址，申请人翻建房屋后退让三十厘米，留出滴水距离"},
	{"1504", 8, "两个村民小组对山林界线认定不一，对林木采伐发生争议", "山林界线及林木采伐", 0, 0, NULL,
         false, "以林权证附图为准重新勘界，已采伐林木收益由两组按比例分配"},
	{"1505", 7, "两个村民小组对一块河滩地的归属发生争议", "河滩地权属", 0, 0, NULL, false,
         "河滩地归两组共同所有，由村委会统一发包，收益按人口分配"},
	{"1506", 10, "村民对村集体机动地承包收益分配方案提出异议", "集体收益分配", 0, 0, NULL, false,
         "村委会按村民代表会议决议重新核定分配方案并张榜公示"},
	{"1507", 10, "灌溉时节两户村民因轮灌顺序和用水量发生争执", "灌溉用水", 0, 0, NULL, false,
         "按村组排定的轮灌顺序用水，由村组长负责协调监督"},
	{"1601", 10, "村民对征地补偿款分配标准有异议，认为青苗及地上附着物补偿偏低", "征地补偿", 10000,
         200000, NULL, false, NULL},
	{"1602", 4, "被征收户对房屋评估价格有异议，拒绝签订征收补偿协议", "房屋征收补偿", 100000, 600000,
         NULL, false, NULL},
	{"1603", 3, "安置户对安置房分配楼层和面积提出异议", "安置房分配", 0, 0, NULL, false,
         "按公开抽签结果分配安置房，面积差额按政策结算"},
	{"1604", 3, "项目施工噪声、扬尘影响周边村民，施工车辆压坏村道", "施工影响及道路修复", 5000, 50000,
         "建设工程有限公司", false, NULL},
	{"1701", 30, "两车在村道路口相撞，一方受伤，双方就医疗费和车辆维修费赔偿协商不成", "交通事故赔偿",
         3000, 80000, NULL, false, NULL},
	{"1702", 10, "事故车主与保险公司就理赔金额发生争议", "保险理赔", 5000, 60000, "财产保险股份有限公司",
         false, NULL},
	{"1801", 5, "患者家属认为手术存在过错导致并发症，要求医院赔偿", "医疗损害赔偿", 20000, 200000, "医院",
         false, NULL},
	{"1802", 5, "患者对卫生院收费和服务态度不满，要求退还部分费用", "医疗费用退还", 500, 5000, "医院",
         false, NULL},
	{"1901", 10, "村民购买的电动三轮车多次出现故障，商家拒绝退换", "商品退换", 2000, 8000, "商贸有限公司",
         false, NULL},
	{"1902", 8, "家长反映培训机构停课后拒不退还预付学费", "预付学费退还", 3000, 20000, "教育科技有限公司",
         false, NULL},
	{"1903", 2, "游客反映农家乐收费与事先约定不符", "农家乐收费", 500, 3000, NULL, false, NULL},
	{"1904", 2, "顾客反映商家结账价格高于明码标价", "价格差额", 200, 2000, "商贸有限公司", false, NULL},
	{"1905", 8, "果农反映购买的化肥质量不合格，导致猕猴桃减产", "农资质量损失", 5000, 50000,
         "农资有限公司", false, NULL},
	{"2001", 40, "申请人借给被申请人款项，约定期限届满后对方拒不归还", "民间借款", 5000, 200000, NULL,
         false, NULL},
	{"2002", 20, "双方签订猕猴桃购销合同后，收购商拖欠货款", "果品货款", 10000, 150000,
         "果品贸易有限公司", false, NULL},
	{"2003", 10, "合伙经营养殖场散伙后，双方对投资款和收益分配发生争议", "合伙投资款", 20000, 300000,
         NULL, false, NULL},
	{"2101", 8, "两名学生在校内发生冲突，一方受伤，家长之间就赔偿发生争执", "学生伤害赔偿", 1000, 10000,
         NULL, false, NULL},
	{"2102", 8, "养殖场排污导致周边农户鱼塘死鱼，双方就损失赔偿发生争议", "污染损失赔偿", 3000, 30000,
         "养殖专业合作社", false, NULL},
	{"2103", 4, "当事人对民事判决执行进度不满，与对方多次发生冲突", "判决履行", 0, 0, NULL, false,
         "被执行人制定还款计划，分期履行判决确定的义务"},
	{"2104", 10, "村民对村务公开和低保评定结果提出异议", "村务公开", 0, 0, NULL, false,
         "村委会重新公示低保评定结果和村务收支，接受村民监督"},
	{"2105", 10, "村民之间因红白喜事占道搭棚发生争执", "占道搭棚", 0, 0, NULL, false,
         "办事户在三日内拆除占道棚架，今后办事提前告知邻里"},
};

/* What petitions are about: category, how often, subject, demands and
 * what the visitor says. */
struct petition_text {
	char code[5];
	unsigned weight;
	const char *subject, *demands, *detail;
};

static const struct petition_text petition_texts[] = {
	{"1601", 15, "征地补偿款分配", "要求按政策标准足额发放征地补偿款，公开分配方案",
         "反映村集体土地被征收后，补偿款分配方案不公开，本户所得明显偏低"},
	{"1602", 6, "房屋征收补偿标准", "要求重新评估房屋价值，提高补偿标准",
         "反映其房屋被列入征收范围，对评估价格有异议"},
	{"1401", 20, "讨要拖欠工资", "要求用工单位尽快结清拖欠的务工工资",
         "反映在建筑工地务工半年，用工单位拖欠工资至今未付"},
	{"0901", 10, "申请困难救助", "请求纳入低保或给予临时救助", "反映家庭成员患重病，因病致贫，生活困难"},
	{"0905", 8, "养老保险待遇", "要求核实缴费年限，按规定发放养老金",
         "反映养老保险缴费年限认定有误，待遇偏低"},
	{"0912", 8, "物业服务问题", "要求物业公司整改服务，公开收支", "反映小区物业服务差、收费不透明"},
	{"1305", 8, "商品房逾期交房", "要求开发商按期交房并支付违约金", "反映所购商品房逾期一年仍未交付"},
	{"1503", 8, "宅基地审批", "要求依法审批宅基地或说明不予审批的理由",
         "反映申请宅基地多年未获审批，邻户却已建房"},
	{"2104", 10, "村务公开与财务", "要求公开村集体收支账目，查处违规问题",
         "反映村干部在项目资金使用上不公开，怀疑存在违规"},
	{"0201", 5, "企业排污", "要求责令企业停产整改", "反映附近企业夜间排放刺鼻废气，影响村民健康"},
	{"0402", 5, "村道损毁维修", "要求尽快修复村道", "反映村组道路损坏多年无人维修，群众出行困难"},
	{"0501", 4, "违法建设", "要求依法拆除违法建筑", "反映邻居违法加盖楼层，影响其采光通风"},
	{"0910", 3, "退役军人待遇", "要求落实相关优抚待遇", "反映退役后相关优抚待遇一直未落实"},
	{"2103", 4, "判决执行", "要求法院加快执行，兑现判决款项", "反映胜诉判决生效一年多仍未执行到位"},
};

static const char *const firm_names[] = {"眉县宏达", "陕西秦川", "宝鸡鑫源", "眉县金渭", "眉县猕乡",
                                         "眉县太白", "眉县汤峪", "陕西关中", "眉县齐镇", "宝鸡渭水"};
static const char *const results[] = {
	"经调查核实，已依据政策作出书面答复意见并送达信访人。",
	"已协调相关单位落实信访人合理诉求，问题已解决。",
	"经调查，信访人诉求部分合理，已督促整改，并做好解释疏导工作。",
	"已依法依规答复，对超出政策规定的诉求已向信访人解释说明。",
};
static const char *const petition_rejects[] = {
	"属于诉讼程序解决的事项，已告知信访人依法向人民法院提起诉讼",
	"该事项已依法终结，信访人未提出新的事实和理由",
};
static const char *const fail_reasons[] = {
	"被申请人拒不到场，调解无法进行",
	"双方对赔偿数额分歧较大，多次调解未能达成一致",
	"申请人坚持要求过高，对方不予接受",
	"双方对基本事实认定分歧较大，需上级联合调处",
};
static const char *const callback_comments[] = {
	"调解员耐心细致，问题解决了，很满意",
	"对调解结果满意",
	"基本满意",
	"处理时间较长",
	"对方履行不到位，不满意",
};
static const char *const verify_notes[] = {"经回访信访人，答复意见已送达，情况属实",
                                           "已核实办理情况，诉求已落实"};

/* ---- the states and steps the generator knows -------------------------------- */

/* The states of flows/dispute.json and flows/event.json (petitions) the
 * generator drives cases through; each flow must have its own (checked at
 * start). */
enum st {
	ST_REGISTERED,
	ST_REPORTED,
	ST_ACCEPTED,
	ST_ASSESSED,
	ST_MEDIATING,
	ST_AGREED,
	ST_PERFORMED,
	ST_RETURNED,
	ST_DISPATCHED,
	ST_HANDLING,
	ST_FEEDBACK,
	ST_VERIFIED,
	ST_CLOSED,
	ST_DISSATISFIED,
	ST_ARCHIVED,
	ST_REFERRED,
	ST_REJECTED,
	ST_COUNT
};
static const char *const state_names[ST_COUNT] = {
	"registered", "reported",     "accepted",   "assessed", "mediating", "agreed",
	"performed",  "returned",     "dispatched", "handling", "feedback",  "verified",
	"closed",     "dissatisfied", "archived",   "referred", "rejected",
};
static const int dispute_states[] = {ST_REGISTERED, ST_ACCEPTED,  ST_ASSESSED, ST_MEDIATING,
                                     ST_AGREED,     ST_PERFORMED, ST_CLOSED,   ST_DISSATISFIED,
                                     ST_ARCHIVED,   ST_REFERRED,  ST_REJECTED};
static const int petition_states[] = {ST_REPORTED,   ST_ACCEPTED,     ST_ASSESSED, ST_RETURNED,
                                      ST_DISPATCHED, ST_HANDLING,     ST_FEEDBACK, ST_VERIFIED,
                                      ST_CLOSED,     ST_DISSATISFIED, ST_ARCHIVED, ST_REJECTED};

/* Disputes held open in the recent weeks, the shortest ways first: the
 * newest are held early on. */
static const enum st held_disputes[] = {ST_REGISTERED, ST_ACCEPTED,  ST_ASSESSED, ST_MEDIATING,
                                        ST_AGREED,     ST_PERFORMED, ST_CLOSED,   ST_DISSATISFIED};
static const enum st held_petitions[] = {ST_ACCEPTED, ST_DISPATCHED, ST_HANDLING, ST_FEEDBACK};

enum step {
	S_NONE,
	S_ACCEPT,
	S_REJECT,
	S_ESCALATE,
	S_ASSESS,
	S_ASSIGN,
	S_SCHEDULE,
	S_MINUTES,
	S_RERISK,
	S_SUPERVISE,
	S_AGREE,
	S_FAIL,
	S_REQUEST,
	S_RECORD,
	S_BREACH,
	S_PERFORM,
	S_FAMILY_LEVEL,
	S_DISPATCH,
	S_ACKNOWLEDGE,
	S_FEEDBACK,
	S_VERIFY,
	S_CLOSE,
	S_CALLBACK,
	S_REOPEN,
	S_ARCHIVE,
	S_FAMILY_VISIT,
};

/* The actions each flow must have for the steps above. */
static const char *const dispute_actions[] = {
	"accept",
	"reject",
	"assess",
	"assign",
	"schedule",
	"minutes",
	"agree",
	"fail",
	"perform",
	"close",
	"callback",
	"reopen",
	"archive",
	"breach",
	"rerisk",
	"supervise",
	"request_confirmation",
	"record_confirmation",
	"family_level",
	"family_visit",
};
static const char *const petition_actions[] = {"accept",   "reject",      "escalate", "assess",
                                               "dispatch", "acknowledge", "feedback", "verify",
                                               "close",    "callback",    "reopen",   "archive"};

enum kind { K_DISPUTE, K_PETITION };
enum source { SRC_WINDOW, SRC_GRID, SRC_HOTLINE };
static const char *const source_names[] = {"window", "grid", "hotline"};
static const char *const source_leads[] = {"当事人到综治中心窗口申请调解：", "网格员走访排查发现：",
                                           "12345热线转来："};
enum risk { R_BLUE, R_YELLOW, R_RED };
static const char *const risk_names[] = {"blue", "yellow", "red"};
enum tier { T_GRID, T_VILLAGE, T_TOWN, T_COUNTY };
static const char *const tier_names[] = {"grid", "village", "town", "county"};
/* Family levels from none (not a family dispute); 1.. as wg_dispute_family. */
static const char *const family_names[] = {NULL, "safe", "micro", "low", "medium", "high"};
enum { FAM_NONE, FAM_SAFE, FAM_MICRO, FAM_LOW, FAM_MEDIUM, FAM_HIGH };
static const char *const form_names[] = {"visit", "letter", "phone", "online"};

/* How a case is meant to go (decided when planned). */
enum {
	F_REJECT = 1u << 0,
	F_JUDICIAL = 1u << 1,         /* the agreement goes to court for confirmation */
	F_JUDICIAL_REFUSED = 1u << 2, /* ...which refuses it */
	F_BREACH = 1u << 3,           /* the agreement is not performed at first */
	F_REOPEN = 1u << 4,           /* dissatisfied: mediated again, not archived */
	F_RERISK = 1u << 5,           /* the risk changes during mediation */
	F_SUPERVISE = 1u << 6,        /* the county leader supervises it */
	F_FAMILY_LOWER = 1u << 7,     /* the family level goes down once performed */
	F_ONLINE = 1u << 8,           /* sessions online */
	F_PERFORM_GRID = 1u << 9,     /* performance checked by the grid worker */
	F_HAS_ID = 1u << 10,          /* the applicant or visitor gives an ID number */
	F_ESCALATE = 1u << 11,        /* petitions: the town passes it to the county */
	F_COUNTY = 1u << 12,          /* petitions: registered at the county's window */
};

/* What has happened once already. */
enum {
	D_RERISKED = 1u << 0,
	D_SUPERVISED = 1u << 1,
	D_REQUESTED = 1u << 2,
	D_BREACHED = 1u << 3,
	D_LOWERED = 1u << 4,
	D_CALLED_BACK = 1u << 5,
	D_SCHEDULED = 1u << 6,
	D_ESCALATED = 1u << 7,
	D_ROUNDS = 1u << 8, /* a first mediation round has started */
};

struct plan {
	wg__walk_plan h;    /* h.expect: enum st */
	int64_t session;    /* the session waiting for its minutes, 0 none */
	int64_t session_at; /* when it is held */
	int64_t amount;     /* yuan, 0 none */
	double lat, lng;
	int32_t grid, text; /* text: index into dispute_texts or petition_texts */
	int32_t master;     /* petitions: the plan of the earlier petition repeated, NONE */
	int32_t lead, last_body;
	uint32_t flags, done;
	uint8_t kind, source, risk, tier, family, form;
	uint8_t fails;     /* mediations still to fail */
	uint8_t sessions;  /* sessions still to schedule in this round */
	uint8_t callbacks; /* family call-backs still to make */
	uint8_t satisfaction, first_sessions;
	uint16_t visitors;
	int8_t held;
	uint8_t next;
	char applicant[4 * WG_DISPUTE_NAME_MAX + 1];
	char respondent[4 * WG_DISPUTE_NAME_MAX + 1];
	wg__demo_person visitor; /* petitions */
};

/* ---- the county as the generator sees it ------------------------------------ */

struct body_info {
	int64_t id;
	char kind[20], trade[20], region[13];
	char name[4 * WG_MEDIATION_NAME_MAX + 1];
};

struct lead_info {
	int64_t id, body, user;
	char name[4 * WG_MEDIATOR_NAME_MAX + 1];
	char specialities[WG_MEDIATOR_SPECIALITIES_MAX * 6 + 4]; /* the JSON list */
};

/* What the generator reads of a case between steps. */
struct row {
	wg__walk_case c; /* c.state: enum st */
	char judicial[12];
	int64_t ladder, mediator_user, callback_due;
	bool family;
};

struct gen {
	wg__walk w; /* the year walked, with the grids and accounts */
	const wg__demo_cases_options *o;
	wg__demo_people *people;
	char county_name[4 * WG_REGION_NAME_MAX + 1];
	int32_t dtexts[sizeof dispute_texts / sizeof dispute_texts[0] + 64]; /* usable, by index */
	char dcodes[sizeof dispute_texts / sizeof dispute_texts[0] + 64][8];
	char dnames[sizeof dispute_texts / sizeof dispute_texts[0] + 64][4 * WG_CATEGORY_NAME_MAX + 1];
	size_t ndcats;
	int32_t ptexts[sizeof petition_texts / sizeof petition_texts[0]];
	size_t nptexts;
	struct body_info *bodies;
	size_t nbodies;
	struct lead_info *leads;
	size_t nleads;
	int32_t leader;
	struct plan *plans;
	size_t nplans, ndisputes, npetitions;
	int64_t rulings, family_visits;
};

/* ---- small helpers ----------------------------------------------------------------- */

static double unit(struct plan *p)
{
	return wg__demo_unit(&p->h.rng);
}

static unsigned below(struct plan *p, unsigned n)
{
	return (unsigned)wg__demo_below(&p->h.rng, n);
}

static bool chance(struct plan *p, unsigned percent)
{
	return below(p, 100) < percent;
}

#define PICK(p, list) ((list)[below((p), sizeof(list) / sizeof((list)[0]))])

static bool is_family(const char *category)
{
	return strncmp(category, "11", 2) == 0;
}

/* ---- loading the county ----------------------------------------------------------- */

/* The minor dispute categories, with their texts; the petition topics
 * whose category exists. */
static int load_categories(struct gen *g)
{
	wg_stmt *st;
	int rc =
		wg_db_prepare_cached(g->w.db,
	                             "SELECT code, name FROM categories WHERE kind = 'dispute' AND parent IS "
	                             "NOT NULL ORDER BY code",
	                             &st);
	size_t max = sizeof g->dcodes / sizeof g->dcodes[0];
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		rc = 0;
		if (g->ndcats == max)
			continue;
		size_t k = g->ndcats++;
		wg__walk_copy_col(g->dcodes[k], sizeof g->dcodes[k], st, 0);
		wg__walk_copy_col(g->dnames[k], sizeof g->dnames[k], st, 1);
		g->dtexts[k] = NONE;
		for (size_t i = 0; i < sizeof dispute_texts / sizeof dispute_texts[0]; i++)
			if (strcmp(dispute_texts[i].code, g->dcodes[k]) == 0)
				g->dtexts[k] = (int32_t)i;
	}
	wg_stmt_finalize(st);
	for (size_t i = 0; rc >= 0 && i < sizeof petition_texts / sizeof petition_texts[0]; i++) {
		int64_t n = 0;
		rc = wg_db_query_int(g->w.db,
		                     "SELECT count(*) FROM categories WHERE code = ? AND parent IS NOT NULL",
		                     &n, "t", petition_texts[i].code);
		if (!rc && n)
			g->ptexts[g->nptexts++] = (int32_t)i;
	}
	if (rc < 0)
		return wg__walk_store_failed(&g->w, "categories", rc);
	if (!g->ndcats || !g->nptexts) {
		fprintf(stderr, "wangge: demo disputes: no dispute categories (run `wangge migrate`)\n");
		return WG_ENOTFOUND;
	}
	return 0;
}

static void fill_body(wg_stmt *st, void *item, const void *ctx)
{
	(void)ctx;
	struct body_info *b = item;
	b->id = wg_stmt_int(st, 0);
	wg__walk_copy_col(b->kind, sizeof b->kind, st, 1);
	wg__walk_copy_col(b->trade, sizeof b->trade, st, 2);
	wg__walk_copy_col(b->region, sizeof b->region, st, 3);
	wg__walk_copy_col(b->name, sizeof b->name, st, 4);
}

static void fill_lead(wg_stmt *st, void *item, const void *ctx)
{
	(void)ctx;
	struct lead_info *m = item;
	m->id = wg_stmt_int(st, 0);
	m->body = wg_stmt_int(st, 1);
	m->user = wg_stmt_is_null(st, 2) ? 0 : wg_stmt_int(st, 2);
	wg__walk_copy_col(m->name, sizeof m->name, st, 3);
	wg__walk_copy_col(m->specialities, sizeof m->specialities, st, 4);
}

static int load_mediation(struct gen *g)
{
	int rc = wg__walk_rows(&g->w, "mediation bodies",
	                       "SELECT id, kind, trade, region, name FROM mediation_bodies WHERE active = 1 "
	                       "ORDER BY id",
	                       NULL, (void **)&g->bodies, &g->nbodies, sizeof *g->bodies, fill_body, NULL);
	rc = rc ? rc
	        : wg__walk_rows(&g->w, "mediators",
	                        "SELECT m.id, m.body, m.user_id, m.name, m.specialities FROM mediators m "
	                        "JOIN mediation_bodies b ON b.id = m.body WHERE m.lead = 1 AND m.active = 1 "
	                        "AND b.active = 1 ORDER BY m.id",
	                        NULL, (void **)&g->leads, &g->nleads, sizeof *g->leads, fill_lead, NULL);
	if (!rc && (!g->nbodies || !g->nleads)) {
		fprintf(stderr, "wangge: demo disputes: no mediation bodies with lead mediators (the demo's "
		                "mediation step comes first)\n");
		return WG_ENOTFOUND;
	}
	return rc;
}

/* Every active account (demo_walk.c loads them with the grids' workers),
 * and who of them leads the county. */
static int load_accounts(struct gen *g)
{
	int rc = wg__walk_load_accounts(&g->w);
	g->leader = NONE;
	for (size_t i = 0; !rc && i < g->w.naccounts; i++) {
		const wg__walk_account *a = &g->w.accounts[i];
		enum wg_region_level level;
		if ((a->roles & WG_ROLE_LEADER) && g->leader == NONE &&
		    wg_region_code_level(a->scope, &level) && level == WG_REGION_COUNTY)
			g->leader = (int32_t)i;
	}
	return rc;
}

static int load_county_name(struct gen *g)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(g->w.db, "SELECT name FROM regions WHERE code = ?", &st);
	if (!rc)
		rc = wg_stmt_bindf(st, "t", WG__DEMO_COUNTY);
	if (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg__walk_copy_col(g->county_name, sizeof g->county_name, st, 0);
		rc = 0;
	} else if (rc == WG_DB_DONE) {
		rc = WG_ENOTFOUND;
	}
	wg_stmt_finalize(st);
	return rc ? wg__walk_store_failed(&g->w, "the county", rc) : 0;
}

/* The centre account of exactly this region, or NULL. */
static const wg__walk_account *own_centre(const struct gen *g, const char *region)
{
	for (size_t i = 0; g->w.accounts && i < g->w.naccounts; i++)
		if ((g->w.accounts[i].roles & WG_ROLE_CENTRE_OPERATOR) &&
		    strcmp(g->w.accounts[i].scope, region) == 0)
			return &g->w.accounts[i];
	return NULL;
}

static const wg__walk_account *handler_of(const struct gen *g, const char *department)
{
	for (size_t i = 0; g->w.accounts && i < g->w.naccounts; i++)
		if ((g->w.accounts[i].roles & WG_ROLE_DEPT_HANDLER) &&
		    strcmp(g->w.accounts[i].department, department) == 0)
			return &g->w.accounts[i];
	return NULL;
}

/* ---- the flows, as the server loads them ----------------------------------------------- */

static int load_engine_data(struct gen *g)
{
	static const wg__walk_flow flows[] = {
		{.kind = "dispute",
	         .states = state_names,
	         .pick = dispute_states,
	         .nstates = sizeof dispute_states / sizeof dispute_states[0],
	         .actions = dispute_actions,
	         .nactions = sizeof dispute_actions / sizeof dispute_actions[0]},
		{.kind = "petition",
	         .states = state_names,
	         .pick = petition_states,
	         .nstates = sizeof petition_states / sizeof petition_states[0],
	         .actions = petition_actions,
	         .nactions = sizeof petition_actions / sizeof petition_actions[0]},
	};
	return wg__walk_load_engine(&g->w, flows, sizeof flows / sizeof flows[0]);
}

/* ---- planning -------------------------------------------------------------------------- */

/* Disputes per day: growing over the year as the county takes the
 * platform up; the window and the grid staff work less on days off. */
static double day_weight(const wg__walk *w, int64_t midnight, size_t d)
{
	double weight = 0.8 + 0.4 * (double)d / WG__WALK_YEAR_DAYS;
	if (!wg__walk_working_day(w, midnight, NULL))
		weight *= 0.35;
	return weight;
}

static unsigned text_weight(const struct gen *g, size_t k)
{
	return g->dtexts[k] == NONE ? 5 : dispute_texts[g->dtexts[k]].weight;
}

static void draw_amount(struct plan *p, const struct dispute_text *t)
{
	if (!t || !t->amount_max)
		return;
	/* Most claims lie in the lower part of the range. */
	double u = unit(p);
	double y = (double)t->amount_min + u * u * (double)(t->amount_max - t->amount_min);
	int64_t step = y >= 10000 ? 100 : 10;
	p->amount = ((int64_t)y + step / 2) / step * step;
}

static void draw_dispute(struct gen *g, struct plan *p, const double *cats)
{
	p->kind = K_DISPUTE;
	size_t k = wg__walk_draw(&p->h.rng, cats, g->ndcats);
	p->text = (int32_t)k;
	const char *code = g->dcodes[k];
	const struct dispute_text *t = g->dtexts[k] == NONE ? NULL : &dispute_texts[g->dtexts[k]];
	unsigned s = below(p, 100);
	p->source = (uint8_t)(s < 58 ? SRC_WINDOW : s < 94 ? SRC_GRID : SRC_HOTLINE);
	s = below(p, 100);
	p->risk = (uint8_t)(s < 76 ? R_BLUE : s < 97 ? R_YELLOW : R_RED);
	if (is_family(code)) {
		s = below(p, 100);
		p->family = (uint8_t)(s < 15   ? FAM_SAFE
		                      : s < 55 ? FAM_MICRO
		                      : s < 80 ? FAM_LOW
		                      : s < 93 ? FAM_MEDIUM
		                               : FAM_HIGH);
		if (strcmp(code, "1102") == 0 && p->family < FAM_MEDIUM)
			p->family = FAM_MEDIUM;
		if (p->family == FAM_HIGH)
			p->risk = R_RED;
		else if (p->family == FAM_MEDIUM && p->risk == R_BLUE)
			p->risk = R_YELLOW;
	}
	s = below(p, 100);
	p->tier = (uint8_t)(s < 10 ? T_GRID : s < 72 ? T_VILLAGE : s < 94 ? T_TOWN : T_COUNTY);
	if ((p->risk == R_RED || strncmp(code, "16", 2) == 0 || strncmp(code, "18", 2) == 0) &&
	    p->tier < T_TOWN)
		p->tier = T_TOWN;
	draw_amount(p, t);
	if (chance(p, p->amount ? 10 : 4))
		p->flags |= F_JUDICIAL | (chance(p, 10) ? F_JUDICIAL_REFUSED : 0);
	static const struct {
		unsigned flag, percent;
	} odds[] = {{F_BREACH, 2}, {F_RERISK, 3}, {F_ONLINE, 10}, {F_PERFORM_GRID, 55}, {F_HAS_ID, 70}};
	for (size_t i = 0; i < sizeof odds / sizeof odds[0]; i++)
		if (chance(p, odds[i].percent))
			p->flags |= odds[i].flag;
	if (p->risk == R_RED && chance(p, 40))
		p->flags |= F_SUPERVISE;
	if (p->family >= FAM_LOW && chance(p, 35))
		p->flags |= F_FAMILY_LOWER;
	if (p->family >= FAM_MICRO && chance(p, 70))
		p->callbacks = (uint8_t)(1 + below(p, 4));
	s = below(p, 100);
	p->first_sessions = (uint8_t)(s < 55 ? 1 : s < 88 ? 2 : 3);
	s = below(p, 100);
	p->satisfaction = (uint8_t)(s < 62 ? 5 : s < 89 ? 4 : s < 96 ? 3 : s < 99 ? 2 : 1);
	if (chance(p, 60))
		p->flags |= F_REOPEN;
}

static void draw_petition(struct gen *g, struct plan *p, const double *topics)
{
	p->kind = K_PETITION;
	p->text = g->ptexts[wg__walk_draw(&p->h.rng, topics, g->nptexts)];
	unsigned s = below(p, 100);
	p->form = (uint8_t)(s < 55 ? 0 : s < 75 ? 1 : s < 90 ? 2 : 3);
	s = below(p, 100);
	p->visitors = (uint16_t)(s < 80 ? 1 : s < 95 ? 2 + below(p, 4) : 6 + below(p, 35));
	if (p->visitors >= 6 && chance(p, 60))
		p->flags |= F_ESCALATE;
	if (chance(p, 5))
		p->flags |= F_REJECT;
	if (chance(p, 85))
		p->flags |= F_HAS_ID;
	if (chance(p, 30))
		p->flags |= F_COUNTY;
	s = below(p, 100);
	p->satisfaction = (uint8_t)(s < 45 ? 5 : s < 75 ? 4 : s < 88 ? 3 : s < 96 ? 2 : 1);
	if (chance(p, 50))
		p->flags |= F_REOPEN;
}

/* Hold a recent case in state s: make its course pass there. */
static void hold_in(struct plan *p, enum st s)
{
	p->flags &= ~(uint32_t)F_REJECT;
	p->fails = 0;
	if (s == ST_DISSATISFIED)
		p->satisfaction = (uint8_t)(1 + below(p, 2));
	else if (p->satisfaction <= 2)
		p->satisfaction = 4;
	p->held = (int8_t)s;
}

/* Hold a recent case in state s, reported within the last days (days at
 * most, on a day before today at the time of day drawn): long enough ago
 * to have got there, recent enough that no clock escalates it while it
 * waits (the held steps come at once: schedule()). */
static void hold_recent_in(struct gen *g, struct plan *p, enum st s, unsigned days)
{
	hold_in(p, s);
	int64_t today = wg__walk_midnight(&g->w, g->w.end), back = 1 + (int64_t)below(p, days);
	int64_t at = today - back * DAY_MS + (p->h.at - wg__walk_midnight(&g->w, p->h.at));
	if (at > p->h.at)
		p->h.at = at;
}

/* The most recent disputes and petitions stay in the states that are not
 * terminal, k of each (the newest disputes not taken up yet at all), so
 * that every state has some however few there are. */
static void hold_recent(struct gen *g)
{
	/* Days back a held case may have been reported, by held state. */
	static const unsigned dispute_days[] = {0, 2, 3, 4, 6, 8, 8, 10};
	static const unsigned petition_days[] = {2, 3, 4, 6};
	size_t k = g->ndisputes / 300 ? g->ndisputes / 300 : 1;
	size_t held = 0;
	size_t nstates = sizeof held_disputes / sizeof held_disputes[0];
	for (size_t i = g->nplans; i-- > 0 && held < k * nstates;) {
		struct plan *p = &g->plans[i];
		if (p->kind != K_DISPUTE)
			continue;
		size_t s = held++ / k;
		if (held_disputes[s] != ST_REGISTERED) {
			hold_recent_in(g, p, held_disputes[s], dispute_days[s]);
			continue;
		}
		/* Not taken up yet: came in over the hotline in the last hours. */
		hold_in(p, ST_REGISTERED);
		p->source = SRC_HOTLINE;
		if (p->h.at < g->w.end - 5 * HOUR_MS)
			p->h.at = g->w.end - 5 * MINUTE_MS - (int64_t)(unit(p) * (double)(4 * HOUR_MS));
	}
	k = g->npetitions / 100 ? g->npetitions / 100 : 1;
	nstates = sizeof held_petitions / sizeof held_petitions[0];
	held = 0;
	for (size_t i = g->nplans; i-- > 0 && held < k * nstates;) {
		struct plan *p = &g->plans[i];
		if (p->kind != K_PETITION)
			continue;
		size_t s = held++ / k;
		hold_recent_in(g, p, held_petitions[s], petition_days[s]);
	}
}

/* A plan older than six weeks, not held, drawn with r; NONE after enough
 * tries (few plans). */
static int32_t older_dispute(struct gen *g, wg__demo_rng *r)
{
	for (int tries = 0; tries < 64; tries++) {
		size_t i = (size_t)wg__demo_below(r, g->nplans);
		struct plan *p = &g->plans[i];
		if (p->kind == K_DISPUTE && p->held == NONE && !p->fails && !(p->flags & F_REJECT) &&
		    p->h.at < g->w.end - 42 * DAY_MS)
			return (int32_t)i;
	}
	return NONE;
}

/* Exactly so many rejected, failing up the ladder (a few of them to
 * arbitration or court) and confirmed by the court, at least one of each,
 * however few disputes there are. */
static void force_courses(struct gen *g, wg__demo_rng *r)
{
	size_t nd = g->ndisputes;
	size_t rejects = nd / 50 ? nd / 50 : 1;
	size_t referred = nd / 300 ? nd / 300 : 1;
	size_t failing = (nd * 2 + 50) / 100 > referred ? (nd * 2 + 50) / 100 - referred : 1;
	for (size_t i = 0; i < rejects; i++) {
		int32_t k = older_dispute(g, r);
		if (k != NONE)
			g->plans[k].flags |= F_REJECT;
	}
	for (size_t i = 0; i < referred + failing; i++) {
		int32_t k = older_dispute(g, r);
		if (k != NONE)
			g->plans[k].fails =
				(uint8_t)(i < referred ? WG_DISPUTE_LADDER_TOP : 1 + wg__demo_below(r, 3));
	}
	int32_t k = older_dispute(g, r);
	if (k != NONE)
		g->plans[k].flags |= F_JUDICIAL;
}

/* Some visitors come back on the same matter: the same person (ID number)
 * and category, a few days to half a year later, some to the county. */
static void make_repeats(struct gen *g)
{
	int32_t recent[24];
	size_t n = 0;
	for (size_t i = 0; i < g->nplans; i++) {
		struct plan *p = &g->plans[i];
		if (p->kind != K_PETITION)
			continue;
		if (n && chance(p, 20)) {
			int32_t j = recent[(n - 1 - below(p, (unsigned)(n < 24 ? n : 24))) % 24];
			struct plan *m = &g->plans[j];
			if (m->h.at < p->h.at - 2 * DAY_MS && m->h.at > p->h.at - 180 * DAY_MS) {
				p->master = j;
				p->text = m->text;
				p->flags |= F_HAS_ID | (chance(p, 40) ? F_COUNTY : 0);
				m->flags |= F_HAS_ID;
			}
		}
		recent[n++ % 24] = (int32_t)i;
	}
}

static int plan_all(struct gen *g)
{
	int64_t count = g->o->count;
	g->ndisputes = (size_t)((count * 3 + 50) / 100);
	g->npetitions = (size_t)((count * 7 + 500) / 1000);
	size_t n = g->nplans = g->ndisputes + g->npetitions;
	if (!n)
		return 0;
	double *days, *grids;
	if (wg__walk_year(&g->w, day_weight, &days, &grids))
		return WG_ENOMEM;
	double *cats = wg_malloc(g->ndcats * sizeof *cats);
	double *topics = wg_malloc(g->nptexts * sizeof *topics);
	g->plans = wg_calloc(n, sizeof *g->plans);
	if (!cats || !topics || !g->plans) {
		wg_free(days);
		wg_free(cats);
		wg_free(topics);
		wg_free(grids);
		return WG_ENOMEM;
	}
	double sum = 0;
	for (size_t i = 0; i < g->ndcats; i++)
		cats[i] = sum += text_weight(g, i);
	sum = 0;
	for (size_t i = 0; i < g->nptexts; i++)
		topics[i] = sum += petition_texts[g->ptexts[i]].weight;

	wg__demo_rng mixer = {g->o->seed ^ 0x6a69756675656e00ULL};
	uint64_t base = wg__demo_next(&mixer);
	for (size_t i = 0; i < n; i++) {
		struct plan *p = &g->plans[i];
		p->h.rng = wg__walk_plan_rng(base, i);
		p->master = p->lead = p->last_body = NONE;
		p->held = p->h.expect = NONE;
		p->grid = (int32_t)wg__walk_draw(&p->h.rng, grids, g->w.ngrids);
		if (i < g->ndisputes)
			draw_dispute(g, p, cats);
		else
			draw_petition(g, p, topics);
		int64_t midnight = wg__walk_draw_day(&g->w, &p->h.rng, days);
		bool long_day = p->kind == K_DISPUTE && p->source == SRC_HOTLINE;
		double from = long_day ? 7 * 60 : 8 * 60 + 30, to = long_day ? 22 * 60 : 17 * 60 + 30;
		p->h.at = wg__walk_moment(&g->w, &p->h.rng, midnight, from, to);
		wg__demo_point_in(&p->h.rng, &g->w.grids[p->grid].box, &p->lng, &p->lat);
	}
	wg_free(days);
	wg_free(cats);
	wg_free(topics);
	wg_free(grids);
	qsort(g->plans, n, sizeof *g->plans, wg__walk_by_time);
	hold_recent(g);
	qsort(g->plans, n, sizeof *g->plans, wg__walk_by_time);
	force_courses(g, &mixer);
	make_repeats(g);
	return 0;
}

/* ---- the engine ---------------------------------------------------------------------- */

static void more_columns(wg_stmt *st, void *row)
{
	struct row *r = row;
	r->ladder = wg_stmt_int(st, 9);
	r->mediator_user = wg_stmt_int(st, 10);
	r->callback_due = wg_stmt_int(st, 11);
	r->family = !wg_stmt_is_null(st, 12) && strcmp(wg_stmt_text(st, 12, NULL), "safe") != 0;
	wg__walk_copy_col(r->judicial, sizeof r->judicial, st, 13);
}

/* Take action on the case as who at the current time; fields is consumed. */
static int act(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *who,
               const char *action, json_t *fields)
{
	if (!who) {
		json_decref(fields);
		return wg__walk_nobody(r->c.number, "centre operator", r->c.centre);
	}
	return wg__walk_act(&g->w, p->h.id, r->c.number, &who->caller, action, fields);
}

static json_t *text_field(const char *name, const char *value)
{
	return json_pack("{s:s}", name, value);
}

/* ---- reporting ------------------------------------------------------------------------- */

/* A firm's name and a valid unified social credit code (GB 32100: a
 * company, registered in the county). */
static void firm(struct plan *p, const char *trade, char *name, size_t len, char code[19])
{
	static const char chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	snprintf(name, len, "%s%s", PICK(p, firm_names), trade);
	char first[18];
	snprintf(first, sizeof first, "91%.6s", WG__DEMO_COUNTY);
	for (size_t i = 8; i < 17; i++)
		first[i] = chars[below(p, sizeof chars - 1)];
	memcpy(code, first, 17);
	code[17] = wg_ident_credit_check_char(first);
	code[18] = '\0';
}

/* A person party: name, mobile, with the plan's chance an ID number, and
 * the village group they live in. */
static int person(struct gen *g, struct plan *p, const wg__walk_grid *grid, const char *role, bool id,
                  json_t *parties, char *name_out, size_t name_len)
{
	wg__demo_person who;
	if (id && !wg__demo_person_new(g->people, &p->h.rng, WG__DEMO_COUNTY, 1945, 2003, &who))
		id = false;
	if (!id) {
		wg__demo_name(&p->h.rng, chance(p, 55), who.name);
		wg__demo_phone(&p->h.rng, who.phone);
	}
	char address[4 * WG_REGION_NAME_MAX + 16];
	snprintf(address, sizeof address, "%s%u组", grid->place, 1 + below(p, 12));
	snprintf(name_out, name_len, "%s", who.name);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "role", role, "name", who.name, "phone", who.phone,
	                      "address", address);
	if (o && id)
		json_object_set_new(o, "id_number", json_string(who.id_number));
	return o && json_array_append_new(parties, o) == 0 ? 0 : WG_ENOMEM;
}

static int organisation(struct plan *p, const char *trade, const char *role, json_t *parties, char *name_out,
                        size_t name_len)
{
	char name[160], code[19], phone[16];
	firm(p, trade, name, sizeof name, code);
	snprintf(phone, sizeof phone, "0917-5%06u", below(p, 1000000));
	snprintf(name_out, name_len, "%s", name);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "role", role, "type", "organisation", "name", name,
	                      "credit_code", code, "phone", phone);
	return o && json_array_append_new(parties, o) == 0 ? 0 : WG_ENOMEM;
}

/* The parties of a dispute: the applicant, the respondent and now and
 * then a third party (an insurer, a contractor, a relative). */
static int dispute_parties(struct gen *g, struct plan *p, const struct dispute_text *t, json_t *parties)
{
	const wg__walk_grid *grid = &g->w.grids[p->grid];
	bool org_first = t && t->org && t->org_applies, org_second = t && t->org && !t->org_applies;
	int rc = org_first ? organisation(p, t->org, "applicant", parties, p->applicant, sizeof p->applicant)
	                   : person(g, p, grid, "applicant", p->flags & F_HAS_ID, parties, p->applicant,
	                            sizeof p->applicant);
	if (!rc)
		rc = org_second ? organisation(p, t->org, "respondent", parties, p->respondent,
		                               sizeof p->respondent)
		                : person(g, p, grid, "respondent", chance(p, 40), parties, p->respondent,
		                         sizeof p->respondent);
	char third[64];
	if (!rc && chance(p, 22))
		rc = person(g, p, grid, "third_party", false, parties, third, sizeof third);
	return rc;
}

static int report_dispute(struct gen *g, struct plan *p)
{
	const wg__walk_grid *grid = &g->w.grids[p->grid];
	const char *code = g->dcodes[p->text];
	const struct dispute_text *t = g->dtexts[p->text] == NONE ? NULL : &dispute_texts[g->dtexts[p->text]];
	enum source src = (enum source)p->source;
	const wg__walk_account *who = src == SRC_GRID ? wg__walk_worker(&g->w, grid->code) : NULL;
	if (src == SRC_GRID && !who)
		src = SRC_WINDOW;
	if (src == SRC_WINDOW)
		who = wg__walk_centre(&g->w, grid->village);
	else if (src == SRC_HOTLINE)
		who = wg__walk_centre(&g->w, WG__DEMO_COUNTY);
	if (!who) {
		fprintf(stderr,
		        "wangge: demo disputes: no centre operator account covers %s (run `wangge demo`)\n",
		        grid->village);
		return WG_ENOTFOUND;
	}
	json_t *body = json_object(), *parties = json_array();
	int rc = body && parties ? dispute_parties(g, p, t, parties) : WG_ENOMEM;
	if (!rc && json_object_set_new(body, "parties", parties) != 0)
		rc = WG_ENOMEM;
	parties = NULL;
	if (!rc && t)
		json_object_set_new(body, "subject_matter", json_string(t->subject));
	if (!rc && p->amount)
		json_object_set_new(body, "amount", json_integer(p->amount));
	char title[800], description[1600], address[4 * WG_REGION_NAME_MAX + 16];
	snprintf(title, sizeof title, "%s与%s%s", p->applicant, p->respondent, g->dnames[p->text]);
	snprintf(address, sizeof address, "%s%u组", grid->place, 1 + below(p, 12));
	snprintf(description, sizeof description, "%s%s%s与%s发生%s。%s%s申请人请求调解。", source_leads[src],
	         grid->place, p->applicant, p->respondent, g->dnames[p->text], t ? t->detail : "",
	         t ? "，" : "");
	bool by_person = src != SRC_GRID;
	char phone[12];
	wg__demo_phone(&p->h.rng, phone);
	wg_case_report r = {
		.kind = "dispute",
		.category = code,
		.title = title,
		.description = description,
		.source = source_names[src],
		.priority = p->risk == R_RED ? "urgent" : "normal",
		.address = address,
		.grid = grid->code,
		.has_location = true,
		.lat = p->lat,
		.lng = p->lng,
		.reporter_name = by_person ? p->applicant : NULL,
		.reporter_phone = by_person ? phone : NULL,
		.body = body,
	};
	wg__walk_next_call(&g->w);
	g->w.env.caller = &who->caller;
	rc = rc ? rc : wg_case_create(g->w.db, &g->w.env, &r, &p->h.id, NULL, &g->w.fe);
	json_decref(parties);
	json_decref(body);
	g->w.calls++;
	if (rc)
		return wg__walk_refused(&g->w, NULL, "report a dispute", &who->caller, rc);
	p->source = (uint8_t)src;
	return 0;
}

static int report_petition(struct gen *g, struct plan *p)
{
	const wg__walk_grid *grid = &g->w.grids[p->grid];
	const struct petition_text *t = &petition_texts[p->text];
	if (p->master != NONE) {
		const struct plan *m = &g->plans[p->master];
		p->visitor = m->visitor;
		p->grid = m->grid;
		grid = &g->w.grids[p->grid];
	} else if (!(p->flags & F_HAS_ID) ||
	           !wg__demo_person_new(g->people, &p->h.rng, WG__DEMO_COUNTY, 1945, 2000, &p->visitor)) {
		p->flags &= ~(uint32_t)F_HAS_ID;
		wg__demo_name(&p->h.rng, chance(p, 60), p->visitor.name);
		wg__demo_phone(&p->h.rng, p->visitor.phone);
	}
	/* The town's window takes it, or the county's when the visitor goes
	 * there (or the town has no account of its own). */
	const wg__walk_account *who = (p->flags & F_COUNTY) ? NULL : own_centre(g, grid->town);
	if (!who)
		who = wg__walk_centre(&g->w, WG__DEMO_COUNTY);
	if (!who) {
		fprintf(stderr, "wangge: demo disputes: no county centre account (run `wangge demo`)\n");
		return WG_ENOTFOUND;
	}
	json_t *visitor = json_pack("{s:s, s:s}", "name", p->visitor.name, "phone", p->visitor.phone);
	if (visitor && (p->flags & F_HAS_ID))
		json_object_set_new(visitor, "id_number", json_string(p->visitor.id_number));
	json_t *body = visitor ? json_pack("{s:{s:s, s:o, s:i, s:s, s:s}}", "petition", "form",
	                                   form_names[p->form], "visitor", visitor, "visitors",
	                                   (int)p->visitors, "subject", t->subject, "demands", t->demands)
	                       : NULL;
	char title[300], description[1400];
	const char *how[] = {"来访", "来信", "来电", "网上信访"};
	snprintf(title, sizeof title, "%s%s反映%s", p->visitor.name, p->visitors > 1 ? "等" : "", t->subject);
	char group[32] = "";
	if (p->visitors > 1)
		snprintf(group, sizeof group, "等%u人", (unsigned)p->visitors);
	snprintf(description, sizeof description, "信访人%s（%s）%s%s，%s。%s诉求：%s。", p->visitor.name,
	         grid->place, group, how[p->form], t->detail,
	         p->master != NONE ? "此前已就同一事项反映过。" : "", t->demands);
	wg_case_report r = {
		.kind = "petition",
		.category = t->code,
		.title = title,
		.description = description,
		.source = p->form == 2 ? "hotline" : "window",
		.priority = p->visitors >= 6 ? "urgent" : "normal",
		.region = grid->town,
		.reporter_name = p->visitor.name,
		.reporter_phone = p->visitor.phone,
		.body = body,
	};
	wg__walk_next_call(&g->w);
	g->w.env.caller = &who->caller;
	int rc = body ? wg_case_create(g->w.db, &g->w.env, &r, &p->h.id, NULL, &g->w.fe) : WG_ENOMEM;
	json_decref(body);
	g->w.calls++;
	return rc ? wg__walk_refused(&g->w, NULL, "report a petition", &who->caller, rc) : 0;
}

/* ---- mediation: which body and mediator ---------------------------------------------- */

/* The trade body that takes a major category, or NULL. */
static const char *trade_of(const char *category)
{
	static const struct {
		char major[3];
		const char *trade;
	} trades[] = {{"11", "marriage_family"}, {"13", "property"}, {"14", "labour"},
	              {"17", "traffic"},         {"18", "medical"},  {"19", "property"}};
	for (size_t i = 0; i < sizeof trades / sizeof trades[0]; i++)
		if (strncmp(category, trades[i].major, 2) == 0)
			return trades[i].trade;
	return NULL;
}

static int32_t body_of(const struct gen *g, const char *kind, const char *trade, const char *region)
{
	for (size_t i = 0; i < g->nbodies; i++) {
		const struct body_info *b = &g->bodies[i];
		if (strcmp(b->kind, kind) == 0 && strcmp(b->trade, trade ? trade : "") == 0 &&
		    strcmp(b->region, region) == 0)
			return (int32_t)i;
	}
	return NONE;
}

/* A county body for the category: its trade body, else the expert pool. */
static int32_t county_body(const struct gen *g, const char *category)
{
	const char *trade = trade_of(category);
	int32_t b = trade ? body_of(g, "trade", trade, WG__DEMO_COUNTY) : NONE;
	return b != NONE ? b : body_of(g, "expert_pool", NULL, WG__DEMO_COUNTY);
}

/* Who mediates at this step of the five-step ladder (五步调解法): on site
 * the village's committee (or the town's, or a county trade body for a
 * trade's dispute or a high tier), diverted to a trade body or the town's
 * committee, town joint the town's committee, county joint a county body. */
static int32_t choose_body(const struct gen *g, struct plan *p, const struct row *r)
{
	char town[13], village[13] = "";
	snprintf(town, sizeof town, "%.9s000", r->c.region);
	enum wg_region_level lv;
	if (wg_region_code_level(r->c.region, &lv) && lv == WG_REGION_VILLAGE)
		snprintf(village, sizeof village, "%s", r->c.region);
	const char *trade = trade_of(r->c.category);
	bool family_trade = is_family(r->c.category) && p->family >= FAM_MEDIUM;
	int32_t b = NONE;
	switch (r->ladder) {
	case 0:
		if (strcmp(r->c.level, "county") == 0 ||
		    (trade && (is_family(r->c.category) ? family_trade && chance(p, 50) : chance(p, 60))))
			b = county_body(g, r->c.category);
		else if (strcmp(r->c.level, "town") == 0 || !*village)
			b = body_of(g, "town_committee", NULL, town);
		else
			b = body_of(g, "village_committee", NULL, village);
		break;
	case 1:
		/* Diverted to another body: the trade's, the town's committee
		 * after the village's, else the county's experts. */
		b = trade ? county_body(g, r->c.category) : NONE;
		if (b == NONE || b == p->last_body)
			b = body_of(g, "town_committee", NULL, town);
		if (b == NONE || b == p->last_body)
			b = body_of(g, "expert_pool", NULL, WG__DEMO_COUNTY);
		break;
	case 2: b = body_of(g, "town_committee", NULL, town); break;
	default: b = county_body(g, r->c.category); break;
	}
	if (b == NONE)
		b = body_of(g, "town_committee", NULL, town);
	return b == NONE ? county_body(g, r->c.category) : b;
}

/* A lead mediator of body b: one who takes the category's major if there
 * is one, often the one with an account (the demo's mediator accounts). */
static int32_t choose_lead(const struct gen *g, struct plan *p, int32_t b, const char *category)
{
	int32_t fit[16], with_account = NONE, any = NONE;
	size_t n = 0;
	char major[8];
	snprintf(major, sizeof major, "\"%.2s\"", category);
	for (size_t i = 0; i < g->nleads; i++) {
		const struct lead_info *m = &g->leads[i];
		if (m->body != g->bodies[b].id)
			continue;
		if (any == NONE)
			any = (int32_t)i;
		if (strstr(m->specialities, major) && n < 16)
			fit[n++] = (int32_t)i;
		if (m->user && with_account == NONE)
			with_account = (int32_t)i;
	}
	if (with_account != NONE && chance(p, 60))
		return with_account;
	return n ? fit[below(p, (unsigned)n)] : any;
}

/* Who acts for the mediation: the lead mediator's account, or the centre
 * for a mediator without one. */
static const wg__walk_account *mediator_of(const struct gen *g, const struct row *r)
{
	const wg__walk_account *a = r->mediator_user ? wg__walk_account_of(&g->w, r->mediator_user) : NULL;
	return a ? a : wg__walk_centre(&g->w, r->c.centre);
}

/* ---- what happens next ------------------------------------------------------------------ */

/* A share of the time left on the clock: mostly early, now and then late. */
static double pace(struct plan *p, unsigned late_percent, double late_from, double late_to)
{
	double u = unit(p);
	if (chance(p, late_percent))
		return late_from + u * (late_to - late_from);
	return 0.05 + 0.8 * u * u;
}

static enum step choose_dispute(struct plan *p, const struct row *r)
{
	switch (r->c.state) {
	case ST_REGISTERED: return (p->flags & F_REJECT) ? S_REJECT : S_ACCEPT;
	case ST_ACCEPTED: return S_ASSESS;
	case ST_ASSESSED: return S_ASSIGN;
	case ST_MEDIATING:
		if (p->session)
			return S_MINUTES;
		if (p->sessions)
			return S_SCHEDULE;
		if ((p->flags & F_RERISK) && !(p->done & D_RERISKED))
			return S_RERISK;
		if ((p->flags & F_SUPERVISE) && !(p->done & D_SUPERVISED))
			return S_SUPERVISE;
		return p->fails ? S_FAIL : S_AGREE;
	case ST_AGREED:
		if ((p->flags & F_BREACH) && !(p->done & D_BREACHED))
			return S_BREACH;
		if ((p->flags & F_JUDICIAL) && !(p->done & D_REQUESTED))
			return S_REQUEST;
		if (strcmp(r->judicial, "requested") == 0)
			return S_RECORD;
		return S_PERFORM;
	case ST_PERFORMED:
		return (p->flags & F_FAMILY_LOWER) && !(p->done & D_LOWERED) && r->family ? S_FAMILY_LEVEL
		                                                                          : S_CLOSE;
	case ST_CLOSED: return S_CALLBACK;
	case ST_DISSATISFIED: return (p->flags & F_REOPEN) ? S_REOPEN : S_ARCHIVE;
	case ST_ARCHIVED: return p->callbacks && r->callback_due ? S_FAMILY_VISIT : S_NONE;
	}
	return S_NONE;
}

static enum step choose_petition(struct plan *p, const struct row *r)
{
	switch (r->c.state) {
	case ST_REPORTED: return (p->flags & F_REJECT) ? S_REJECT : S_ACCEPT;
	case ST_ACCEPTED:
		return (p->flags & F_ESCALATE) && !(p->done & D_ESCALATED) &&
		                       strcmp(r->c.level, "county") != 0
		               ? S_ESCALATE
		               : S_ASSESS;
	case ST_ASSESSED:
	case ST_RETURNED: return S_DISPATCH;
	case ST_DISPATCHED: return S_ACKNOWLEDGE;
	case ST_HANDLING: return S_FEEDBACK;
	case ST_FEEDBACK: return S_VERIFY;
	case ST_VERIFIED: return S_CLOSE;
	case ST_CLOSED: return S_CALLBACK;
	case ST_DISSATISFIED: return (p->flags & F_REOPEN) ? S_REOPEN : S_ARCHIVE;
	}
	return S_NONE;
}

/* When step s comes, from now. */
static int64_t when(struct gen *g, struct plan *p, const struct row *r, enum step s, int64_t now)
{
	double left = wg__walk_time_left(&g->w, now, r->c.deadline, 60), f;
	switch (s) {
	case S_ACCEPT:
	case S_REJECT:
	case S_ASSESS:
	case S_ASSIGN:
	case S_DISPATCH: f = pace(p, 3, 1.05, 1.8); break;
	case S_ACKNOWLEDGE: f = pace(p, 3, 1.05, 1.5); break;
	case S_ESCALATE: f = 0.1 + 0.4 * unit(p); break;
	case S_SCHEDULE: return wg__walk_add_minutes(&g->w, now, 10 + 110 * unit(p));
	case S_MINUTES:
		return wg__walk_add_minutes(&g->w, p->session_at > now ? p->session_at : now,
		                            60 + 90 * unit(p));
	case S_AGREE:
	case S_FAIL: return wg__walk_add_minutes(&g->w, now, 10 + 60 * unit(p));
	case S_RERISK:
	case S_SUPERVISE:
	case S_FAMILY_LEVEL: return wg__walk_add_minutes(&g->w, now, 30 + 200 * unit(p));
	case S_BREACH: return wg__walk_add_minutes(&g->w, now, WORKDAY_MIN * (3 + 6 * unit(p)));
	case S_REQUEST: return wg__walk_add_minutes(&g->w, now, WORKDAY_MIN * (0.5 + 2 * unit(p)));
	case S_RECORD: return wg__walk_add_minutes(&g->w, now, WORKDAY_MIN * (4 + 8 * unit(p)));
	/* Money takes a while to be paid; the rest is done within days. */
	case S_PERFORM: f = p->amount ? 0.05 + 0.45 * unit(p) : 0.03 + 0.2 * unit(p); break;
	case S_FEEDBACK: f = pace(p, 4, 1.05, 1.4) * 0.9; break;
	case S_VERIFY:
	case S_CLOSE:
	case S_CALLBACK:
	case S_REOPEN:
	case S_ARCHIVE: f = pace(p, 2, 1.05, 1.5); break;
	case S_FAMILY_VISIT: {
		/* On the day it is due, a few hours before the end of it. */
		int64_t t = r->callback_due - (int64_t)((1 + 5 * unit(p)) * (double)HOUR_MS);
		return t > now ? t : now + MINUTE_MS;
	}
	case S_NONE: return 0;
	}
	return wg__walk_add_minutes(&g->w, now, f * left);
}

/* Choose the case's next step and when it comes (after the present: it
 * does not), or 0 when the case has ended or is held where it is. */
static int64_t schedule(void *ctx, uint32_t i, const void *row, int64_t now)
{
	struct gen *g = ctx;
	const struct row *r = row;
	struct plan *p = &g->plans[i];
	/* A mediation held open has its next session scheduled first. */
	bool held_here = r->c.state == p->held && !(r->c.state == ST_MEDIATING && !(p->done & D_SCHEDULED));
	if (r->c.state == NONE || held_here)
		return 0;
	enum step s = p->kind == K_DISPUTE ? choose_dispute(p, r) : choose_petition(p, r);
	if (s == S_NONE)
		return 0;
	int64_t t = when(g, p, r, s, now);
	if (t <= now)
		t = now + MINUTE_MS;
	/* A held case gets to its state before the present, however fast. */
	if (p->held != NONE && r->c.state != p->held && t >= g->w.end - MINUTE_MS)
		t = now + (g->w.end - now) / 3;
	p->next = (uint8_t)s;
	return t;
}

/* ---- taking the step --------------------------------------------------------------------- */

static int assess(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *centre)
{
	/* The tier lies at or above the case's level (an escalated case is
	 * assessed again where it now is). */
	int tier = p->tier;
	static const char *const levels[] = {"grid", "village", "town", "county"};
	for (int k = 0; k < 4; k++)
		if (strcmp(r->c.level, levels[k]) == 0 && tier < k)
			tier = k;
	json_t *f = json_pack("{s:s, s:s}", "risk", risk_names[p->risk], "tier", tier_names[tier]);
	if (f && p->family && is_family(r->c.category))
		json_object_set_new(f, "family_level", json_string(family_names[p->family]));
	if (f && p->risk == R_RED)
		json_object_set_new(f, "note", json_string("当事人情绪激动，存在矛盾激化风险，列为重点管控"));
	return act(g, p, r, centre, "assess", f);
}

static int assign(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *centre)
{
	int32_t b = choose_body(g, p, r);
	int32_t m = b == NONE ? NONE : choose_lead(g, p, b, r->c.category);
	if (m == NONE) {
		fprintf(stderr, "wangge: demo case %s: no body with a lead mediator for %s\n", r->c.number,
		        r->c.region);
		return WG_ENOTFOUND;
	}
	p->last_body = b;
	p->lead = m;
	/* A new round of mediation: failing rounds are short, the first may
	 * take up to three sessions, later ones one. */
	p->session = 0;
	p->sessions = p->fails ? (uint8_t)(1 + below(p, 2)) : (p->done & D_ROUNDS) ? 1 : p->first_sessions;
	p->done |= D_ROUNDS;
	return act(g, p, r, centre, "assign",
	           json_pack("{s:I, s:I}", "body", (json_int_t)g->bodies[b].id, "mediator",
	                     (json_int_t)g->leads[m].id));
}

/* A session some time before the mediation's deadline: the first often
 * the same day, the others a few days apart. */
static int schedule_session(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *who)
{
	double left = r->c.deadline > g->w.env.now
	                      ? (double)wg__walk_minutes_between(&g->w, g->w.env.now, r->c.deadline)
	                      : 0;
	double gap = left > 0 ? left * 0.5 / (p->sessions + 1) : 240;
	gap = gap < 90 ? 90 : gap > 3 * WORKDAY_MIN ? 3 * WORKDAY_MIN : gap;
	gap *= 0.4 + 0.6 * unit(p);
	if (!(p->done & D_SCHEDULED) && chance(p, 30))
		gap = 60 + 120 * unit(p);
	int64_t at = wg__walk_add_minutes(&g->w, g->w.env.now, gap);
	char when_text[40];
	if (wg_clock_format_rfc3339(at, g->w.offset, 0, when_text, sizeof when_text) != 0)
		return WG_EINTERNAL;
	const struct lead_info *m = p->lead != NONE ? &g->leads[p->lead] : NULL;
	const struct body_info *b = p->last_body != NONE ? &g->bodies[p->last_body] : NULL;
	char place[480], attendees[1000];
	bool online = (p->flags & F_ONLINE) != 0;
	snprintf(place, sizeof place, "%s%s调解室", online ? "线上视频调解：" : "", b ? b->name : "");
	snprintf(attendees, sizeof attendees, "申请人%s、被申请人%s、调解员%s%s", p->applicant, p->respondent,
	         m ? m->name : "", chance(p, 40) ? "、网格员" : "");
	json_t *f = json_pack("{s:s, s:s, s:s, s:b}", "at", when_text, "place", place, "attendees", attendees,
	                      "online", online);
	int rc = act(g, p, r, who, "schedule", f);
	int64_t session = 0;
	if (!rc)
		rc = wg_db_query_int(
			g->w.db,
			"SELECT coalesce(max(id), 0) FROM mediation_sessions WHERE case_id = ? AND "
			"held_at IS NULL",
			&session, "i", p->h.id);
	p->session = session;
	p->session_at = at;
	p->sessions--;
	p->done |= D_SCHEDULED;
	return rc;
}

static int minutes(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *who)
{
	const struct dispute_text *t = g->dtexts[p->text] == NONE ? NULL : &dispute_texts[g->dtexts[p->text]];
	const char *subject = t ? t->subject : g->dnames[p->text];
	char text[800];
	if (p->sessions)
		snprintf(text, sizeof text,
		         "调解员分别听取双方陈述，到现场了解情况并释法说理。双方对%"
		         "s仍有分歧，同意回去考虑后再次调解。",
		         subject);
	else if (p->fails)
		snprintf(text, sizeof text,
		         "调解员多次释法说理，双方就%s仍各执己见，分歧较大，本次调解未能达成一致。", subject);
	else
		snprintf(text, sizeof text,
		         "调解员耐心疏导、释法说理，双方互谅互让，就%s达成一致意见，同意签订调解协议。",
		         subject);
	json_t *f = json_pack("{s:I, s:s}", "session", (json_int_t)p->session, "minutes", text);
	p->session = 0;
	return act(g, p, r, who, "minutes", f);
}

static int agree(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *who)
{
	const struct dispute_text *t = g->dtexts[p->text] == NONE ? NULL : &dispute_texts[g->dtexts[p->text]];
	char terms[1400];
	if (p->amount)
		snprintf(terms, sizeof terms,
		         "%s于%u日内向%s支付%" PRId64 "元，款项付清后双方就%s再无其他争议。", p->respondent,
		         5 + below(p, 26), p->applicant, p->amount, t ? t->subject : g->dnames[p->text]);
	else
		snprintf(terms, sizeof terms, "%s。双方自愿履行，不再就此事发生争执。",
		         t && t->terms ? t->terms : "双方就争议事项达成和解");
	return act(g, p, r, who, "agree", text_field("terms", terms));
}

static int fail(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *who)
{
	p->fails--;
	const char *step = wg_dispute_ladder_labels[r->ladder < WG_DISPUTE_LADDER_TOP ? r->ladder : 0];
	char reason[400];
	if (r->ladder >= WG_DISPUTE_LADDER_TOP - 1)
		snprintf(reason, sizeof reason, "经%s仍未达成一致，已告知当事人依法申请仲裁或向人民法院起诉",
		         step);
	else
		snprintf(reason, sizeof reason, "%s未果：%s", step, PICK(p, fail_reasons));
	return act(g, p, r, who, "fail", text_field("reason", reason));
}

static int judicial(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *who,
                    bool request)
{
	if (request) {
		char court[300];
		snprintf(court, sizeof court, "%s人民法院", g->county_name);
		p->done |= D_REQUESTED;
		return act(g, p, r, who, "request_confirmation",
		           json_pack("{s:s, s:s}", "court", court, "note",
		                     "双方共同申请对调解协议进行司法确认"));
	}
	if (p->flags & F_JUDICIAL_REFUSED)
		return act(g, p, r, who, "record_confirmation",
		           json_pack("{s:s, s:s}", "result", "refused", "note",
		                     "协议部分内容超出调解范围，法院不予确认"));
	char ruling[64];
	time_t secs = (time_t)((g->w.env.now + (int64_t)g->w.offset * MINUTE_MS) / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(ruling, sizeof ruling, "(%d)陕%.4s民特%" PRId64 "号", tm.tm_year + 1900, &WG__DEMO_COUNTY[2],
	         ++g->rulings);
	return act(g, p, r, who, "record_confirmation",
	           json_pack("{s:s, s:s}", "result", "confirmed", "ruling", ruling));
}

static int perform_check(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *mediator)
{
	const wg__walk_account *w = (p->flags & F_PERFORM_GRID) ? wg__walk_worker(&g->w, r->c.grid) : NULL;
	const char *note = w ? (p->amount ? "网格员上门核实，被申请人已按协议支付款项"
	                                  : "网格员到现场查看，协议约定事项已履行到位")
	                     : "经电话回访双方当事人，调解协议已履行完毕";
	return act(g, p, r, w ? w : mediator, "perform", text_field("note", note));
}

/* A family call-back, by whoever has the duty: a post holder with an
 * account, the centre of the region named, or the grid's worker. */
static int family_visit(struct gen *g, struct plan *p, const struct row *r)
{
	wg_case_person *people = NULL;
	size_t n = 0;
	int rc = wg_case_people(g->w.db, &g->w.arena, p->h.id, &people, &n);
	if (rc)
		return wg__walk_store_failed(&g->w, "people on a case", rc);
	const wg__walk_account *who = NULL;
	for (size_t i = 0; i < n && !who; i++) {
		if (strcmp(people[i].duty, "callback") != 0)
			continue;
		if (people[i].user)
			who = wg__walk_account_of(&g->w, people[i].user);
		else if (strcmp(people[i].post, "town_centre") == 0 ||
		         strcmp(people[i].post, "county_centre") == 0)
			who = wg__walk_centre(&g->w, people[i].region);
	}
	if (!who)
		who = wg__walk_worker(&g->w, r->c.grid);
	if (!who)
		who = wg__walk_centre(&g->w, r->c.centre);
	static const char *const notes[] = {"电话回访，夫妻关系缓和，情况稳定",
	                                    "上门回访，家庭成员相处融洽，未再发生争吵",
	                                    "入户回访，当事人情绪平稳，协议履行正常"};
	p->callbacks--;
	g->family_visits++;
	return act(g, p, r, who, "family_visit", text_field("note", PICK(p, notes)));
}

static int call_back(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *centre)
{
	int s = (p->done & D_CALLED_BACK) ? 3 + (int)below(p, 3) : p->satisfaction;
	const char *comment =
		s >= 4 ? callback_comments[below(p, 2)] : callback_comments[s == 3 ? 2 : 3 + below(p, 2)];
	p->done |= D_CALLED_BACK;
	return act(g, p, r, centre, "callback",
	           json_pack("{s:i, s:s}", "satisfaction", s, "comment", comment));
}

static int take_dispute_step(struct gen *g, struct plan *p, const struct row *r, enum step s)
{
	const wg__walk_account *centre = wg__walk_centre(&g->w, r->c.centre);
	switch (s) {
	case S_ACCEPT:
		return act(g, p, r, centre, "accept",
		           chance(p, 30) ? text_field("note", "属于人民调解受理范围，予以受理")
		                         : json_object());
	case S_REJECT:
		return act(g, p, r, centre, "reject",
		           text_field("reason", "属于法院已受理的诉讼案件，不予受理，已告知当事人"));
	case S_ASSESS: return assess(g, p, r, centre);
	case S_ASSIGN: return assign(g, p, r, centre);
	case S_SCHEDULE: return schedule_session(g, p, r, mediator_of(g, r));
	case S_MINUTES: return minutes(g, p, r, mediator_of(g, r));
	case S_RERISK: {
		/* One step up as the quarrel grows or, from red, down again. */
		bool down = p->risk == R_RED;
		p->done |= D_RERISKED;
		p->risk = down ? R_YELLOW : (uint8_t)(p->risk + 1);
		return act(g, p, r, centre, "rerisk",
		           json_pack("{s:s, s:s}", "risk", risk_names[p->risk], "reason",
		                     down ? "经多次疏导，双方情绪趋于平稳"
		                          : "调解中双方情绪激动，矛盾有激化苗头"));
	}
	case S_SUPERVISE: {
		const wg__walk_account *leader = g->leader != NONE ? &g->w.accounts[g->leader] : centre;
		p->done |= D_SUPERVISED;
		return act(g, p, r, leader, "supervise",
		           json_pack("{s:s, s:s}", "colour", "yellow", "note",
		                     "重大矛盾纠纷，请包抓领导靠前指挥，尽快化解"));
	}
	case S_AGREE: return agree(g, p, r, mediator_of(g, r));
	case S_FAIL: return fail(g, p, r, mediator_of(g, r));
	case S_REQUEST: return judicial(g, p, r, mediator_of(g, r), true);
	case S_RECORD: return judicial(g, p, r, mediator_of(g, r), false);
	case S_BREACH:
		p->done |= D_BREACHED;
		p->session = 0;
		p->sessions = 1;
		return act(g, p, r, mediator_of(g, r), "breach",
		           text_field("reason", "被申请人未按协议约定期限履行，申请人要求重新调解"));
	case S_PERFORM: return perform_check(g, p, r, mediator_of(g, r));
	case S_FAMILY_LEVEL:
		p->done |= D_LOWERED;
		p->family = (uint8_t)(p->family - 1);
		return act(g, p, r, centre, "family_level",
		           json_pack("{s:s, s:s}", "family_level", family_names[p->family], "reason",
		                     "调解协议履行后家庭关系明显缓和，降低风险等级"));
	case S_CLOSE:
		return act(g, p, r, centre, "close",
		           chance(p, 30) ? text_field("note", "矛盾纠纷已化解，办结") : json_object());
	case S_CALLBACK: return call_back(g, p, r, centre);
	case S_REOPEN:
		p->session = 0;
		p->sessions = 1;
		return act(g, p, r, centre, "reopen",
		           text_field("reason", "当事人对履行情况不满意，重新组织调解"));
	case S_ARCHIVE:
		return act(g, p, r, centre, "archive",
		           text_field("reason", "协议已依法履行，已向当事人做好解释工作，归档"));
	case S_FAMILY_VISIT: return family_visit(g, p, r);
	default: break;
	}
	return 0;
}

static int take_petition_step(struct gen *g, struct plan *p, const struct row *r, enum step s)
{
	const wg__walk_account *centre = wg__walk_centre(&g->w, r->c.centre);
	const wg__walk_account *handler = r->c.department[0] ? handler_of(g, r->c.department) : NULL;
	if ((s == S_ACKNOWLEDGE || s == S_FEEDBACK) && !handler)
		return wg__walk_nobody(r->c.number, "department handler",
		                       r->c.department[0] ? r->c.department : "(no department)");
	switch (s) {
	case S_ACCEPT:
		return act(g, p, r, centre, "accept", text_field("note", "已登记受理，按首问负责制转办"));
	case S_REJECT: return act(g, p, r, centre, "reject", text_field("reason", PICK(p, petition_rejects)));
	case S_ESCALATE:
		p->done |= D_ESCALATED;
		return act(g, p, r, centre, "escalate",
		           text_field("reason", "群体性信访事项，报请县级统筹协调处理"));
	case S_ASSESS:
		return act(g, p, r, centre, "assess",
		           p->visitors >= 6 ? text_field("priority", "urgent") : json_object());
	case S_DISPATCH: return act(g, p, r, centre, "dispatch", json_object());
	case S_ACKNOWLEDGE: return act(g, p, r, handler, "acknowledge", json_object());
	case S_FEEDBACK: return act(g, p, r, handler, "feedback", text_field("result", PICK(p, results)));
	case S_VERIFY: return act(g, p, r, centre, "verify", text_field("note", PICK(p, verify_notes)));
	case S_CLOSE: return act(g, p, r, centre, "close", json_object());
	case S_CALLBACK: return call_back(g, p, r, centre);
	case S_REOPEN:
		return act(g, p, r, centre, "reopen",
		           text_field("reason", "信访人对答复意见不满意，重新交办"));
	case S_ARCHIVE:
		return act(g, p, r, centre, "archive",
		           text_field("reason", "已依法依规答复，信访人诉求超出政策规定，归档"));
	default: break;
	}
	return 0;
}

static int report(void *ctx, uint32_t i)
{
	struct gen *g = ctx;
	struct plan *p = &g->plans[i];
	return p->kind == K_DISPUTE ? report_dispute(g, p) : report_petition(g, p);
}

static int take(void *ctx, uint32_t i, const void *row)
{
	struct gen *g = ctx;
	struct plan *p = &g->plans[i];
	return p->kind == K_DISPUTE ? take_dispute_step(g, p, row, (enum step)p->next)
	                            : take_petition_step(g, p, row, (enum step)p->next);
}

/* ---- the summary ---------------------------------------------------------------------------- */

static int print_states(struct gen *g, const char *kind)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		g->w.db,
		"SELECT state, count(*) FROM cases WHERE kind = ? GROUP BY state ORDER BY 2 "
		"DESC, 1",
		&st);
	if (!rc)
		rc = wg_stmt_bindf(st, "t", kind);
	if (rc)
		return rc;
	fputs("  by state:", stdout);
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW)
		printf(" %s %" PRId64, wg_stmt_text(st, 0, NULL), wg_stmt_int(st, 1));
	wg_stmt_finalize(st);
	fputc('\n', stdout);
	return rc < 0 ? rc : 0;
}

static int print_summary(struct gen *g)
{
	int64_t events = 0, found = 0, resolved = 0, red = 0, yellow = 0, blue = 0, failed = 0, referred = 0,
		confirmed = 0, family = 0, sessions = 0, agreements = 0, petitions = 0, repeats = 0,
		disputes = 0;
	int rc = wg_db_query_int(g->w.db,
	                         "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE "
	                         "c.kind IN ('dispute', 'petition')",
	                         &events, "");
	rc = rc ? rc
	        : wg_db_query_int(g->w.db, "SELECT count(*) FROM cases WHERE kind = 'dispute'", &disputes,
	                          "");
	rc = rc ? rc
	        : wg_db_query_int(g->w.db,
	                          "SELECT count(*) FROM cases WHERE kind = 'dispute' AND master IS NULL AND "
	                          "(accepted_at IS NOT NULL OR escalations > 0)",
	                          &found, "");
	rc = rc ? rc
	        : wg_db_query_int(g->w.db,
	                          "SELECT count(*) FROM cases c JOIN disputes d ON d.case_id = c.id WHERE "
	                          "c.master IS NULL AND (c.accepted_at IS NOT NULL OR c.escalations > 0) AND "
	                          "d.performed_at IS NOT NULL",
	                          &resolved, "");
	rc = rc ? rc
	        : wg_db_query_int(g->w.db, "SELECT count(*) FROM cases WHERE kind = 'dispute' AND risk = ?",
	                          &red, "t", "red");
	rc = rc ? rc
	        : wg_db_query_int(g->w.db, "SELECT count(*) FROM cases WHERE kind = 'dispute' AND risk = ?",
	                          &yellow, "t", "yellow");
	rc = rc ? rc
	        : wg_db_query_int(g->w.db, "SELECT count(*) FROM cases WHERE kind = 'dispute' AND risk = ?",
	                          &blue, "t", "blue");
	rc = rc ? rc
	        : wg_db_query_int(g->w.db, "SELECT count(*) FROM cases WHERE kind = 'dispute' AND ladder > 0",
	                          &failed, "");
	rc = rc ? rc
	        : wg_db_query_int(g->w.db,
	                          "SELECT count(*) FROM cases WHERE kind = 'dispute' AND state = 'referred'",
	                          &referred, "");
	rc = rc ? rc
	        : wg_db_query_int(g->w.db, "SELECT count(*) FROM disputes WHERE judicial = 'confirmed'",
	                          &confirmed, "");
	rc = rc ? rc
	        : wg_db_query_int(g->w.db, "SELECT count(*) FROM disputes WHERE family_level IS NOT NULL",
	                          &family, "");
	rc = rc ? rc : wg_db_query_int(g->w.db, "SELECT count(*) FROM mediation_sessions", &sessions, "");
	rc = rc ? rc : wg_db_query_int(g->w.db, "SELECT count(*) FROM agreements", &agreements, "");
	rc = rc ? rc
	        : wg_db_query_int(g->w.db, "SELECT count(*) FROM cases WHERE kind = 'petition'", &petitions,
	                          "");
	rc = rc ? rc
	        : wg_db_query_int(g->w.db, "SELECT count(*) FROM petitions WHERE repeat_of IS NOT NULL",
	                          &repeats, "");
	if (rc)
		return wg__walk_store_failed(&g->w, "counting disputes", rc);
	char n1[32], from[40] = "", to[40] = "";
	wg_progress_thousands(events, n1, sizeof n1);
	wg_clock_format_rfc3339(g->w.start, g->w.offset, 0, from, sizeof from);
	wg_clock_format_rfc3339(g->w.end, g->w.offset, 0, to, sizeof to);
	printf("disputes: %" PRId64 " registered from %.10s to %.10s; with %" PRId64
	       " petitions, %s timeline events\n",
	       disputes, from, to, petitions, n1);
	rc = print_states(g, "dispute");
	printf("  found %" PRId64 ", resolved %" PRId64 " (%.1f%%); risk red %" PRId64 ", yellow %" PRId64
	       ", blue %" PRId64 "; %" PRId64 " sessions, %" PRId64 " agreements, %" PRId64
	       " confirmed by the court\n",
	       found, resolved, found ? 100.0 * (double)resolved / (double)found : 0.0, red, yellow, blue,
	       sessions, agreements, confirmed);
	printf("  %" PRId64 " failed a mediation, %" PRId64 " referred to arbitration or court; %" PRId64
	       " family disputes, %" PRId64 " call-backs\n",
	       failed, referred, family, g->family_visits);
	printf("petitions: %" PRId64 " registered, %" PRId64 " repeats linked\n", petitions, repeats);
	rc = rc ? rc : print_states(g, "petition");
	return rc ? wg__walk_store_failed(&g->w, "counting disputes", rc) : 0;
}

/* ---- the whole ------------------------------------------------------------------------------ */

static void free_gen(struct gen *g)
{
	wg__walk_free(&g->w);
	wg__demo_people_free(g->people);
	wg_free(g->bodies);
	wg_free(g->leads);
	wg_free(g->plans);
	wg_free(g);
}

int wg__demo_disputes(wg_db *db, wg_config *cfg, const struct wg_secret_key *key,
                      const wg__demo_cases_options *o)
{
	int64_t existing = 0;
	int rc = wg_db_query_int(db, "SELECT count(*) FROM cases WHERE kind IN ('dispute', 'petition')",
	                         &existing, "");
	if (rc) {
		fprintf(stderr, "wangge: demo disputes: %s\n", wg_db_errmsg(db));
		return rc;
	}
	if (existing) {
		printf("disputes and petitions: %" PRId64 " exist, left as they are\n", existing);
		return 0;
	}
	struct gen *g = wg_calloc(1, sizeof *g);
	if (!g)
		return WG_ENOMEM;
	g->o = o;
	g->leader = NONE;
	wg__walk_init(&g->w, db, cfg, key, "disputes", o->progress);
	g->people = wg__demo_people_new();
	rc = g->people ? load_engine_data(g) : WG_ENOMEM;
	rc = rc ? rc : wg__walk_load_grids(&g->w, 1.5, 0.2);
	rc = rc ? rc : load_categories(g);
	rc = rc ? rc : load_mediation(g);
	rc = rc ? rc : load_accounts(g);
	rc = rc ? rc : load_county_name(g);
	rc = rc ? rc : plan_all(g);
	if (!rc && g->nplans) {
		static const wg__walk_ops ops = {
			.plan_size = sizeof(struct plan),
			.sql = "SELECT c.state, c.number, c.level, c.centre, c.region, c.grid, c.category, "
			       "c.department, c.deadline, c.ladder, c.mediator_user, d.callback_due, "
			       "d.family_level, d.judicial FROM cases c LEFT JOIN disputes d ON d.case_id = "
			       "c.id WHERE c.id = ?",
			.states = state_names,
			.nstates = ST_COUNT,
			.more = more_columns,
			.report = report,
			.take = take,
			.schedule = schedule};
		struct row row;
		rc = wg__walk_run(&g->w, g->plans, g->nplans, &ops, &row, g);
		rc = rc ? rc : print_summary(g);
		if (!rc)
			wg__walk_report_time(&g->w);
	}
	free_gen(g);
	return rc;
}
