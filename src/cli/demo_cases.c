/* A year of cases for the demo county, through the case engine (see
 * demo_cases.h for what is made and why this way). */
#include "cli/demo_cases.h"

#include "cli/demo_map.h"
#include "cli/demo_people.h"
#include "cli/demo_walk.h"
#include "cli/progress.h"
#include "core/alloc.h"
#include "core/calendar.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/fielderr.h"
#include "domain/account.h"
#include "domain/attachment.h"
#include "domain/case.h"
#include "domain/category.h"
#include "domain/department.h"
#include "domain/region.h"
#include "domain/role.h"
#include "domain/routing.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define MINUTE_MS ((int64_t)60 * 1000)
#define HOUR_MS (60 * MINUTE_MS)
#define DAY_MS (24 * HOUR_MS)
#define TAIL_DAYS 28 /* the recent weeks that hold cases open in every state */
#define PHOTOS 12    /* distinct site photos the staff take */
#define NONE (-1)

/* ---- what cases are about -------------------------------------------------- */

/* What a report of each minor category says, and how often it comes (in
 * tenths, relative). Categories are data: one missing here is described
 * by its name and comes at weight 10. */
static const struct {
	char code[5];
	unsigned weight;
	const char *detail;
} details[] = {
	{"0101", 50, "楼道内堆放大量杂物，有电动车飞线充电，存在火灾隐患"},
	{"0102", 15, "餐馆液化气瓶与灶具连接软管老化，有燃气异味"},
	{"0103", 15, "建筑工地脚手架未设防护网，工人未戴安全帽作业"},
	{"0104", 20, "一处老旧土坯房墙体开裂，雨后有倒塌风险，仍有老人居住"},
	{"0105", 8, "小区电梯频繁停运困人，检验合格标志已过期"},
	{"0106", 4, "一处仓库违规存放油漆、稀料等危险化学品，无防护措施"},
	{"0107", 5, "山坡出现裂缝并有落石，下方有住户和道路"},
	{"0108", 12, "排水渠被垃圾和淤泥堵塞，汛期易积水倒灌"},
	{"0109", 10, "林区边缘有人上坟烧纸、野外用火"},
	{"0110", 10, "加工厂车间消防通道被货物堵塞，灭火器过期"},
	{"0201", 12, "有企业夜间排放刺鼻烟气，周边群众反映强烈"},
	{"0202", 10, "河道内有不明污水排入，水面发黑发臭"},
	{"0203", 45, "夜间施工噪声扰民，影响周边居民休息"},
	{"0204", 20, "路边沟渠倾倒建筑垃圾和生活垃圾"},
	{"0205", 25, "农田内有人焚烧秸秆，浓烟影响道路通行"},
	{"0206", 12, "养殖场粪污直排，周边气味难闻"},
	{"0301", 120, "垃圾收集点垃圾满溢，多日未清运"},
	{"0302", 80, "巷道杂草丛生，柴草杂物乱堆乱放"},
	{"0303", 55, "商贩在人行道上摆摊设点，影响行人通行"},
	{"0304", 30, "居民楼外墙和电线杆上张贴小广告"},
	{"0305", 10, "临街广告牌松动倾斜，存在坠落风险"},
	{"0306", 15, "渣土车未覆盖篷布，沿路撒漏泥土"},
	{"0307", 12, "公共厕所无人保洁，设施损坏"},
	{"0401", 40, "路面出现大坑，车辆通行颠簸，夜间容易发生事故"},
	{"0402", 40, "村组道路路面塌陷，雨天无法通行"},
	{"0403", 80, "一段路灯连续多晚不亮，群众夜间出行不便"},
	{"0404", 20, "人行道上窨井盖缺失，行人有坠落危险"},
	{"0405", 20, "供水管道破裂漏水，路面大面积积水"},
	{"0406", 15, "自来水浑浊发黄，部分农户停水"},
	{"0407", 12, "绿化带树木被砍伐，草坪被踩踏"},
	{"0501", 30, "有住户未经审批在院内加盖楼层"},
	{"0502", 12, "有人在基本农田上硬化地面、搭建彩钢房"},
	{"0503", 3, "山上有人夜间非法开采砂石"},
	{"0504", 4, "渭河河道内有采砂船非法作业"},
	{"0505", 8, "河道管理范围内堆放杂物并搭建简易房"},
	{"0506", 6, "山林中有人擅自砍伐树木并运出"},
	{"0601", 35, "学校门口上下学时段车辆乱停，交通拥堵"},
	{"0602", 20, "路口缺少减速带和警示标志，多次发生剐蹭"},
	{"0603", 8, "有无证车辆在车站附近揽客非法营运"},
	{"0604", 70, "车辆长期占用消防通道停放"},
	{"0605", 6, "接送学生的面包车超员载客"},
	{"0701", 15, "小饭馆后厨卫生脏乱，从业人员无健康证"},
	{"0702", 5, "村诊所销售过期药品"},
	{"0703", 8, "猕猴桃种植户违规使用膨大剂"},
	{"0704", 4, "有人在出租屋内无证行医"},
	{"0705", 8, "小卖部销售疑似假冒品牌饮料"},
	{"0706", 6, "学校周边小摊贩售卖三无食品"},
	{"0801", 15, "夜间有不明人员在小区内徘徊，多户车辆被划"},
	{"0802", 4, "一处民房内疑似有人聚众赌博"},
	{"0803", 10, "有老人接到冒充公检法的电话，被要求转账"},
	{"0804", 15, "出租屋内住有多名外来人员，未登记"},
	{"0805", 3, "社区矫正对象近期未按规定报到"},
	{"0806", 4, "严重精神障碍患者近期情绪不稳，有打砸行为"},
	{"0807", 40, "有住户饲养大型犬未拴绳，多次惊吓路人"},
	{"0808", 8, "学校周边网吧接纳未成年人上网"},
	{"0809", 4, "有人以高额回报为诱饵向村民推销理财产品"},
	{"0810", 3, "刑满释放人员返乡后生活无着落，需要帮扶"},
	{"0901", 30, "一户村民因病致贫，生活困难，申请救助"},
	{"0902", 10, "留守儿童长期无人照看，学习生活困难"},
	{"0903", 30, "独居老人行动不便，无人照料"},
	{"0904", 12, "残疾人家庭缺少无障碍设施，需要帮扶"},
	{"0905", 20, "群众咨询城乡居民养老保险续缴问题"},
	{"0906", 15, "返乡务工人员求职，希望提供就业信息"},
	{"0907", 10, "村卫生室长期无医生坐诊"},
	{"0908", 2, "多名儿童出现发热、皮疹症状"},
	{"0909", 4, "初中学生辍学在家，家长未送其返校"},
	{"0910", 8, "退役军人反映优待证办理问题"},
	{"0911", 5, "有人在耕地内修建大墓"},
	{"0912", 60, "群众反映小区物业服务不到位"},
	{"1001", 3, "暴雨后山体滑坡，阻断村道"},
	{"1002", 2, "加工厂发生机械伤人事故，一人受伤"},
	{"1003", 4, "村民家中柴房起火"},
	{"1004", 2, "数十名工人聚集讨要工资，情绪激动"},
	{"1005", 2, "养殖户家中多头生猪异常死亡"},
	{"1006", 2, "有人因家庭纠纷扬言轻生"},
};

enum source { SRC_GRID, SRC_CITIZEN, SRC_HOTLINE, SRC_WINDOW, SRC_DEPARTMENT, SRC_CAMERA, SRC_COUNT };

/* Where reports come from, how often, and when in the (local) day. */
static const struct {
	const char *name, *lead;
	unsigned weight;
	int from_minute, to_minute;
} sources[SRC_COUNT] = {
	[SRC_GRID] = {"grid", "网格员巡查发现：", 42, 8 * 60 + 30, 17 * 60 + 30},
	[SRC_CITIZEN] = {"citizen", "", 16, 7 * 60, 23 * 60},
	[SRC_HOTLINE] = {"hotline", "12345热线来电反映：", 16, 7 * 60, 23 * 60},
	[SRC_WINDOW] = {"window", "群众到综治中心窗口反映：", 8, 8 * 60 + 30, 17 * 60 + 30},
	[SRC_DEPARTMENT] = {"department", "部门日常巡查移交：", 8, 8 * 60 + 30, 17 * 60 + 30},
	[SRC_CAMERA] = {"camera", "视频监控巡查发现：", 10, 0, 24 * 60},
};

static const char *const endings[] = {
	"请尽快处理。",
	"已拍照留存，请尽快核实。",
	"群众反映强烈，希望尽快解决。",
	"",
	"已持续多日，影响周边群众生活。",
	"请相关部门到现场查看。",
};
static const char *const reject_reasons[] = {
	"不属于受理范围，已告知当事人通过司法途径解决",
	"反映内容不具体，经电话回访无法核实",
	"属于民事纠纷，已引导当事人申请人民调解",
	"该事项已由相关部门依法处理完毕",
};
static const char *const return_reasons[] = {
	"不属于本单位职责范围，请重新派遣",
	"事发地点不在本辖区，请核实后改派",
	"需县级主管部门牵头处理，本单位无执法权限",
};
static const char *const extend_reasons[] = {
	"需协调多个单位联合处置，申请延期",
	"涉及工程维修，材料采购需要时间",
	"当事人外出，需待其返回后现场处理",
	"需等待专业机构检测结果",
};
static const char *const results[] = {
	"已安排人员到现场处置，问题已整改到位。",
	"经现场核实，已责令当事人限期整改，现已整改完毕。",
	"已协调相关单位处理，并向群众做好解释说明。",
	"已依法立案调查，作出处理决定。",
	"已完成维修，恢复正常使用。",
	"已清理完毕，并建立长效管护机制。",
};
static const char *const rework_reasons[] = {
	"现场核查问题仍未整改到位，请继续办理",
	"群众反映问题反弹，需重新处置",
	"反馈照片与现场情况不符，请重新核实处置",
};
static const char *const verify_notes[] = {
	"现场核查，问题已解决",
	"已到现场查看，整改到位",
	"经回访群众，情况属实，已处置完毕",
};
static const char *const reopen_reasons[] = {
	"群众对处理结果不满意，问题未根本解决，重新交办",
	"回访中群众反映问题仍然存在，重新办理",
};
static const char *const archive_reasons[] = {
	"已依法依规处理，群众诉求超出政策范围，做好解释后归档",
	"经复核处理结果符合规定，已向群众说明，归档",
};
static const char *const comments[] = {
	"处理及时，很满意", "问题解决了，感谢", "速度还可以", "处理太慢", "问题没有彻底解决",
};

/* ---- the states and steps the generator knows -------------------------------- */

/* The states of flows/event.json that the generator drives a case
 * through; the flow must have each (checked at start). */
enum st {
	ST_REPORTED,
	ST_ACCEPTED,
	ST_ASSESSED,
	ST_RETURNED,
	ST_DISPATCHED,
	ST_HANDLING,
	ST_FEEDBACK,
	ST_VERIFIED,
	ST_CLOSED,
	ST_DISSATISFIED,
	ST_SAMPLED,
	ST_ARCHIVED,
	ST_REJECTED,
	ST_MERGED,
	ST_COUNT
};
static const char *const state_names[ST_COUNT] = {
	"reported", "accepted", "assessed",     "returned", "dispatched", "handling", "feedback",
	"verified", "closed",   "dissatisfied", "sampled",  "archived",   "rejected", "merged",
};

/* The held states of the recent weeks, those with short ways first: the
 * most recent cases are held early on. */
static const enum st held_states[] = {ST_ACCEPTED, ST_ASSESSED, ST_DISPATCHED, ST_RETURNED, ST_HANDLING,
                                      ST_SAMPLED,  ST_FEEDBACK, ST_VERIFIED,   ST_CLOSED,   ST_DISSATISFIED};

enum step {
	S_NONE,
	S_ACCEPT,
	S_REJECT,
	S_MERGE,
	S_ESCALATE,
	S_ASSESS,
	S_SUMMON,
	S_REPORT_IN,
	S_DISPATCH,
	S_ACKNOWLEDGE,
	S_RETURN,
	S_EXTEND,
	S_DECIDE,
	S_SUPERVISE,
	S_FEEDBACK,
	S_VERIFY,
	S_REWORK,
	S_CLOSE,
	S_CALLBACK,
	S_REOPEN,
	S_ARCHIVE,
};

/* How a case is meant to go (decided when planned). */
enum {
	F_SELF = 1u << 0,           /* self-resolved by the grid worker */
	F_SAMPLED = 1u << 1,        /* ...and drawn for verification */
	F_SAMPLE_REWORK = 1u << 2,  /* ...which it fails */
	F_REJECT = 1u << 3,         /* not accepted */
	F_DUP = 1u << 4,            /* merged into an earlier report */
	F_RETURN = 1u << 5,         /* the department returns it once */
	F_EXTEND = 1u << 6,         /* the department asks for more time */
	F_EXT_REFUSED = 1u << 7,    /* ...and is refused */
	F_REWORK = 1u << 8,         /* verification fails once */
	F_ESCALATE = 1u << 9,       /* the centre escalates it */
	F_RAISE_TOWN = 1u << 10,    /* assessed as a town matter */
	F_RAISE_COUNTY = 1u << 11,  /* assessed as a county matter */
	F_SUPERVISE = 1u << 12,     /* handled late, supervised by the leader */
	F_SUMMON = 1u << 13,        /* a town centre summons county departments */
	F_SUMMON_LATE = 1u << 14,   /* ...one of which never reports in */
	F_CO = 1u << 15,            /* dispatched with a co-handling department */
	F_URGENT = 1u << 16,        /* assessed urgent */
	F_PORTAL_RATE = 1u << 17,   /* the citizen rates it on the portal */
	F_REOPEN = 1u << 18,        /* dissatisfied: reopened, not archived */
	F_VERIFY_ON_SITE = 1u << 19 /* verified by the grid worker */
};

/* What has happened once already. */
enum {
	D_ESCALATED = 1u << 0,
	D_ASSESSED = 1u << 1,
	D_SUMMONED = 1u << 2,
	D_RETURNED = 1u << 3,
	D_EXTENDED = 1u << 4,
	D_SUPERVISED = 1u << 5,
	D_REWORKED = 1u << 6,
	D_CALLED_BACK = 1u << 7,
};

struct plan {
	wg__walk_plan h; /* h.expect: enum st */
	int64_t hold;    /* while handling: when the feedback comes; 0 undecided */
	double lat, lng;
	int32_t master; /* duplicates: plan index of the master */
	uint32_t grid, category;
	uint32_t flags, done;
	int16_t summoned[2]; /* department indices */
	uint8_t source, satisfaction, hours, nsummoned, reported_in;
	int8_t held;  /* enum st to stay in, NONE */
	uint8_t next; /* enum step */
	char tracking[WG_CASE_TRACKING_LEN + 1];
};

/* ---- the county as the generator sees it ------------------------------------ */

struct category_info {
	char code[8];
	char name[4 * WG_CATEGORY_NAME_MAX + 1];
	const char *detail;
	double weight;
};

struct dept_info {
	char code[WG_DEPARTMENT_CODE_MAX + 1], region[13];
	char name[WG_ROUTING_NAME_MAX + 1];
	int32_t handler; /* account index, NONE */
};

/* What the generator reads of a case between steps. */
struct row {
	wg__walk_case c; /* c.state: enum st */
	int64_t handle_deadline, pending_deadline, escalations;
};

struct gen {
	wg__walk w; /* the year walked, with the grids and accounts */
	const wg__demo_cases_options *o;
	char sample_setting[24]; /* cases.sample_percent as configured */
	int64_t sample_percent;
	struct category_info *cats;
	size_t ncats;
	struct dept_info *depts;
	size_t ndepts;
	int32_t leader;
	struct plan *plans;
	size_t nplans;
	wg_attachment photos[PHOTOS];
	int64_t handlers_made;
};

static const wg_caller citizen = {.user_id = 0, .username = "citizen"};

/* ---- small helpers ----------------------------------------------------------------- */

static double unit(struct plan *p)
{
	return wg__demo_unit(&p->h.rng);
}

static bool chance(struct plan *p, unsigned percent)
{
	return wg__demo_below(&p->h.rng, 100) < percent;
}

static const char *pick(struct plan *p, const char *const *list, size_t n)
{
	return list[wg__demo_below(&p->h.rng, n)];
}
#define PICK(p, list) pick((p), (list), sizeof(list) / sizeof((list)[0]))

static int count_of(wg_db *db, const char *sql, int64_t *n)
{
	wg_stmt *st;
	*n = 0;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW)
		*n = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* ---- loading the county ----------------------------------------------------------- */

static void fill_category(wg_stmt *st, void *item, const void *ctx)
{
	(void)ctx;
	struct category_info *c = item;
	wg__walk_copy_col(c->code, sizeof c->code, st, 0);
	wg__walk_copy_col(c->name, sizeof c->name, st, 1);
	c->detail = NULL;
	c->weight = 10;
	for (size_t i = 0; i < sizeof details / sizeof details[0]; i++)
		if (strcmp(details[i].code, c->code) == 0) {
			c->detail = details[i].detail;
			c->weight = details[i].weight;
		}
}

static int load_categories(struct gen *g, const char *kind)
{
	int rc = wg__walk_rows(
		&g->w, "categories",
		"SELECT code, name FROM categories WHERE kind = ? AND parent IS NOT NULL ORDER BY code", kind,
		(void **)&g->cats, &g->ncats, sizeof *g->cats, fill_category, NULL);
	if (!rc && !g->ncats) {
		fprintf(stderr, "wangge: demo cases: no %s categories (run `wangge migrate`)\n", kind);
		return WG_ENOTFOUND;
	}
	return rc;
}

static void fill_department(wg_stmt *st, void *item, const void *ctx)
{
	(void)ctx;
	struct dept_info *d = item;
	wg__walk_copy_col(d->code, sizeof d->code, st, 0);
	wg__walk_copy_col(d->region, sizeof d->region, st, 1);
	wg__walk_copy_col(d->name, sizeof d->name, st, 2);
	d->handler = NONE;
}

static int load_departments(struct gen *g)
{
	return wg__walk_rows(&g->w, "departments",
	                     "SELECT code, region, name FROM departments WHERE active = 1 ORDER BY code",
	                     NULL, (void **)&g->depts, &g->ndepts, sizeof *g->depts, fill_department, NULL);
}

static int by_dept_code(const void *key, const void *item)
{
	return strcmp(key, ((const struct dept_info *)item)->code);
}

static int32_t dept_index(const struct gen *g, const char *code)
{
	const struct dept_info *d = bsearch(code, g->depts, g->ndepts, sizeof *g->depts, by_dept_code);
	return d ? (int32_t)(d - g->depts) : NONE;
}

/* Every active account (demo_walk.c loads them with the grids' workers),
 * and who of them handles each department and leads. */
static int load_accounts(struct gen *g)
{
	g->leader = NONE;
	for (size_t i = 0; i < g->ndepts; i++)
		g->depts[i].handler = NONE;
	int rc = wg__walk_load_accounts(&g->w);
	for (size_t i = 0; !rc && i < g->w.naccounts; i++) {
		const wg__walk_account *a = &g->w.accounts[i];
		int32_t k;
		if ((a->roles & WG_ROLE_DEPT_HANDLER) && a->department[0] &&
		    (k = dept_index(g, a->department)) != NONE && g->depts[k].handler == NONE)
			g->depts[k].handler = (int32_t)i;
		if ((a->roles & WG_ROLE_LEADER) && g->leader == NONE)
			g->leader = (int32_t)i;
	}
	return rc;
}

/* A handler account for every department that has none: "h" and the
 * department's code, at the department's own region, with the demo's
 * password. */
static int add_handlers(struct gen *g)
{
	static const wg_caller console = {0};
	size_t missing = 0;
	for (size_t i = 0; i < g->ndepts; i++)
		missing += g->depts[i].handler == NONE;
	if (!missing || !g->o->password_hash)
		return 0;
	int rc = wg_db_begin(g->w.db);
	const char *example = NULL;
	for (size_t i = 0; !rc && i < g->ndepts; i++) {
		struct dept_info *d = &g->depts[i];
		if (d->handler != NONE)
			continue;
		char username[48], name[WG_ROUTING_NAME_MAX + 16];
		snprintf(username, sizeof username, "h%s", d->code);
		snprintf(name, sizeof name, "%s经办人", d->name);
		wg__walk_next_call(&g->w);
		wg_user_input in = {.username = username,
		                    .name = name,
		                    .scope = d->region,
		                    .department = d->code,
		                    .set_department = true};
		int64_t id;
		rc = wg_account_create(g->w.db, &console, g->w.cfg->security_audit_hash, &in,
		                       g->o->password_hash, false, &id, &g->w.fe);
		rc = rc ? rc
		        : wg_account_set_roles(g->w.db, &console, g->w.cfg->security_audit_hash, id,
		                               WG_ROLE_DEPT_HANDLER, &g->w.fe);
		if (rc) {
			fprintf(stderr, "wangge: demo cases: account %s: %s", username, wg_error_message(rc));
			for (unsigned k = 0; k < g->w.fe.n; k++)
				fprintf(stderr, "%s %s: %s", k ? ";" : ":", g->w.fe.e[k].field,
				        g->w.fe.e[k].message);
			fputc('\n', stderr);
		}
		if (!example)
			example = d->code;
		g->handlers_made++;
	}
	rc = rc ? rc : wg_db_commit(g->w.db);
	if (rc) {
		wg_db_rollback(g->w.db);
		g->handlers_made = 0;
		return rc;
	}
	printf("department handler accounts: %" PRId64 " (h + department code, e.g. h%s), same password\n",
	       g->handlers_made, example);
	return load_accounts(g);
}

static const wg__walk_account *handler_of(const struct gen *g, const char *department)
{
	int32_t d = dept_index(g, department);
	return d != NONE && g->depts[d].handler != NONE ? &g->w.accounts[g->depts[d].handler] : NULL;
}

/* ---- site photos --------------------------------------------------------------------- */

/* A real 8x8 grey baseline JPEG: the DC step of the quantisation table
 * sets its shade, a comment its number, so each has its own bytes. One
 * Huffman code each for the DC difference (category 4) and end of block. */
static size_t photo_bytes(unsigned k, unsigned char *b)
{
	static const unsigned char head[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J',  'F',  'I',  'F',
	                                     0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00};
	static const unsigned char frame[] = {
		0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00, /* SOF0 */
		0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* DHT DC */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,                         /* cat 4 */
		0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* DHT AC */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                         /* EOB */
		0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00,                   /* SOS */
	};
	size_t n = 0;
	memcpy(b, head, sizeof head);
	n += sizeof head;
	char note[40];
	int len = snprintf(note, sizeof note, "wangge demo site photo %u", k);
	b[n++] = 0xFF;
	b[n++] = 0xFE;
	b[n++] = 0x00;
	b[n++] = (unsigned char)(len + 2);
	memcpy(b + n, note, (size_t)len);
	n += (size_t)len;
	/* Grey level 128 + DC / 8 with DC = +-15 * step: from dark to light. */
	int grey = 62 + (int)k * 15, diff = grey - 128;
	int step = (abs(diff) * 8 + 7) / 15;
	b[n++] = 0xFF;
	b[n++] = 0xDB;
	b[n++] = 0x00;
	b[n++] = 0x43;
	b[n++] = 0x00;
	b[n++] = (unsigned char)(step ? step : 1);
	for (int i = 1; i < 64; i++)
		b[n++] = 16;
	memcpy(b + n, frame, sizeof frame);
	n += sizeof frame;
	/* Bits: DC code 0, the 4 bits of +15 (1111) or -15 (0000), EOB code 0,
	 * then 1s to the byte's end. */
	b[n++] = diff >= 0 ? 0x7B : 0x03;
	b[n++] = 0xFF;
	b[n++] = 0xD9;
	return n;
}

static int save_photos(struct gen *g)
{
	wg_attachment_limits limits = {g->w.cfg->attachments_max_bytes, g->w.cfg->attachments_max_video};
	for (unsigned k = 0; k < PHOTOS; k++) {
		unsigned char bytes[256];
		struct iovec part = {bytes, photo_bytes(k, bytes)};
		char err[256];
		int rc = wg_attachment_save(g->w.cfg->attachments_dir, &part, 1, &limits, &g->photos[k], err,
		                            sizeof err);
		if (rc) {
			fprintf(stderr, "wangge: demo cases: photo in %s: %s\n", g->w.cfg->attachments_dir,
			        err);
			return rc;
		}
	}
	return 0;
}

/* JSON list of n photos for the account, which has them as uploads of its
 * own (as when taken with the app). */
static int photos_for(struct gen *g, struct plan *p, const wg__walk_account *who, size_t n, json_t **out,
                      const char **shas)
{
	*out = json_array();
	if (!*out)
		return WG_ENOMEM;
	size_t first = wg__demo_below(&p->h.rng, PHOTOS);
	for (size_t i = 0; i < n; i++) {
		const wg_attachment *a = &g->photos[(first + i) % PHOTOS];
		int rc = wg_attachment_record(g->w.db, a, who->id, g->w.env.now);
		if (rc)
			return rc;
		if (shas)
			shas[i] = a->sha256;
		if (json_array_append_new(*out, json_string(a->sha256)) != 0)
			return WG_ENOMEM;
	}
	return 0;
}

/* ---- planning -------------------------------------------------------------------------- */

/* Reports per day: growing over the year as the county takes the platform
 * up, fewer on days off and fewer still on holidays. */
static double day_weight(const wg__walk *w, int64_t midnight, size_t d)
{
	bool holiday;
	double weight = 0.75 + 0.5 * (double)d / WG__WALK_YEAR_DAYS;
	if (!wg__walk_working_day(w, midnight, &holiday))
		weight *= 0.55;
	if (holiday)
		weight *= 0.6;
	return weight;
}

/* How it will go, drawn once. */
static void draw_course(struct gen *g, struct plan *p)
{
	bool has_worker = g->w.grids[p->grid].worker != NONE;
	if (p->source == SRC_GRID && has_worker && chance(p, 22)) {
		p->flags |= F_SELF;
		if (wg__demo_below(&p->h.rng, 100) < (uint64_t)g->sample_percent)
			p->flags |= F_SAMPLED | (chance(p, 15) ? F_SAMPLE_REWORK : 0);
	} else if (chance(p, 4)) {
		p->flags |= F_REJECT;
	}
	static const struct {
		unsigned flag, percent;
	} odds[] = {
		{F_RETURN, 6},     {F_EXTEND, 8},       {F_REWORK, 5},    {F_ESCALATE, 1},
		{F_RAISE_TOWN, 4}, {F_RAISE_COUNTY, 1}, {F_SUPERVISE, 3}, {F_SUMMON, 50},
		{F_CO, 10},        {F_URGENT, 6},       {F_REOPEN, 70},   {F_VERIFY_ON_SITE, 45},
	};
	for (size_t i = 0; i < sizeof odds / sizeof odds[0]; i++)
		if (chance(p, odds[i].percent))
			p->flags |= odds[i].flag;
	if ((p->flags & F_EXTEND) && chance(p, 25))
		p->flags |= F_EXT_REFUSED;
	if ((p->flags & F_SUMMON) && chance(p, 20))
		p->flags |= F_SUMMON_LATE;
	if (strncmp(g->cats[p->category].code, "10", 2) == 0 && chance(p, 70))
		p->flags |= F_URGENT;
	if (p->source == SRC_CITIZEN && chance(p, 50))
		p->flags |= F_PORTAL_RATE;
	unsigned s = (unsigned)wg__demo_below(&p->h.rng, 100);
	p->satisfaction = s < 58 ? 5 : s < 84 ? 4 : s < 93 ? 3 : s < 97 ? 2 : 1;
	p->hours = (uint8_t)(4 + wg__demo_below(&p->h.rng, 21));
}

/* Hold a recent case in state s: make its course pass there. */
static bool hold_in(struct gen *g, struct plan *p, enum st s)
{
	if (s == ST_SAMPLED) {
		if (g->w.grids[p->grid].worker == NONE)
			return false;
		p->source = SRC_GRID;
		p->flags = (p->flags & ~(F_REJECT | F_SAMPLE_REWORK)) | F_SELF | F_SAMPLED;
	} else {
		p->flags &= ~(F_SELF | F_SAMPLED | F_SAMPLE_REWORK | F_REJECT);
	}
	if (s == ST_RETURNED)
		p->flags |= F_RETURN;
	if (s == ST_DISSATISFIED) {
		p->flags &= ~F_PORTAL_RATE;
		p->satisfaction = (uint8_t)(1 + wg__demo_below(&p->h.rng, 2));
	}
	p->held = (int8_t)s;
	return true;
}

/* x kept inside the middle 80% of [lo, hi], as wg__demo_point_in draws. */
static double clamp(double x, double lo, double hi)
{
	double margin = (hi - lo) * 0.1;
	return x < lo + margin ? lo + margin : x > hi - margin ? hi - margin : x;
}

/* A duplicate of an earlier report nearby: same grid and category, a few
 * metres off, within days. */
static void make_duplicates(struct gen *g)
{
	for (size_t i = 1; i < g->nplans; i++) {
		struct plan *p = &g->plans[i];
		if (p->held != NONE || (p->flags & F_SELF) || !chance(p, 3))
			continue;
		size_t skip = wg__demo_below(&p->h.rng, 3);
		for (size_t j = i; j-- > 0 && i - j <= 30;) {
			const struct plan *m = &g->plans[j];
			if ((m->flags & (F_SELF | F_REJECT | F_DUP)) || m->h.at < p->h.at - 5 * DAY_MS ||
			    skip-- > 0)
				continue;
			p->flags = (p->flags & ~F_REJECT) | F_DUP;
			p->master = (int32_t)j;
			p->grid = m->grid;
			p->category = m->category;
			/* Within the master's grid, where a point alone places it too. */
			const wg__demo_box *b = &g->w.grids[m->grid].box;
			p->lat = clamp(m->lat + (unit(p) - 0.5) * 0.0006, b->south, b->north);
			p->lng = clamp(m->lng + (unit(p) - 0.5) * 0.0006, b->west, b->east);
			break;
		}
	}
}

static int plan_cases(struct gen *g)
{
	size_t n = (size_t)g->o->count;
	double *days, *grids;
	if (wg__walk_year(&g->w, day_weight, &days, &grids))
		return WG_ENOMEM;
	double *cats = wg_malloc(g->ncats * sizeof *cats);
	g->plans = wg_calloc(n, sizeof *g->plans);
	if (!cats || !g->plans) {
		wg_free(days);
		wg_free(cats);
		wg_free(grids);
		return WG_ENOMEM;
	}
	g->nplans = n;
	/* Cumulative weights, for wg__walk_draw(). */
	double sum = 0, srcs[SRC_COUNT];
	for (size_t i = 0; i < g->ncats; i++)
		cats[i] = sum += g->cats[i].weight;
	sum = 0;
	for (size_t i = 0; i < SRC_COUNT; i++)
		srcs[i] = sum += sources[i].weight;

	wg__demo_rng mixer = {g->o->seed ^ 0x64656d6f63617365ULL};
	uint64_t base = wg__demo_next(&mixer);
	for (size_t i = 0; i < n; i++) {
		struct plan *p = &g->plans[i];
		p->h.rng = wg__walk_plan_rng(base, i);
		p->master = NONE;
		p->held = p->h.expect = NONE;
		p->summoned[0] = p->summoned[1] = NONE;
		p->source = (uint8_t)wg__walk_draw(&p->h.rng, srcs, SRC_COUNT);
		p->category = (uint32_t)wg__walk_draw(&p->h.rng, cats, g->ncats);
		p->grid = (uint32_t)wg__walk_draw(&p->h.rng, grids, g->w.ngrids);
		int64_t midnight = wg__walk_draw_day(&g->w, &p->h.rng, days);
		p->h.at = wg__walk_moment(&g->w, &p->h.rng, midnight, sources[p->source].from_minute,
		                          sources[p->source].to_minute);
		wg__demo_point_in(&p->h.rng, &g->w.grids[p->grid].box, &p->lng, &p->lat);
		draw_course(g, p);
	}
	wg_free(days);
	wg_free(cats);
	wg_free(grids);

	qsort(g->plans, n, sizeof *g->plans, wg__walk_by_time);
	/* The last reports of all have not been taken up yet. */
	for (size_t i = n > 2 ? n - 2 : 0; i < n; i++) {
		struct plan *p = &g->plans[i];
		hold_in(g, p, ST_REPORTED);
		if (p->h.at < g->w.end - 6 * HOUR_MS)
			p->h.at = g->w.end - 5 * MINUTE_MS - (int64_t)(unit(p) * (double)(5 * HOUR_MS));
	}
	qsort(g->plans, n, sizeof *g->plans, wg__walk_by_time);
	make_duplicates(g);
	/* Every third case of the recent weeks is held in some open state. */
	size_t k = 0, c = 0;
	for (size_t i = n; i-- > 0 && g->plans[i].h.at >= g->w.end - TAIL_DAYS * DAY_MS;) {
		struct plan *p = &g->plans[i];
		if (p->held != NONE || (p->flags & F_DUP) || k++ % 3 != 0)
			continue;
		size_t nheld = sizeof held_states / sizeof held_states[0];
		for (size_t tries = 0; tries < nheld && !hold_in(g, p, held_states[c++ % nheld]); tries++)
			;
	}
	return 0;
}

/* ---- the engine ---------------------------------------------------------------------- */

static void more_columns(wg_stmt *st, void *row)
{
	struct row *r = row;
	r->handle_deadline = wg_stmt_int(st, 9);
	r->pending_deadline = wg_stmt_int(st, 10);
	r->escalations = wg_stmt_int(st, 11);
}

/* Take action on the case as who at the current time; fields is consumed. */
static int act(struct gen *g, struct plan *p, const struct row *r, const wg_caller *who, const char *action,
               json_t *fields)
{
	return wg__walk_act(&g->w, p->h.id, r->c.number, who, action, fields);
}

static json_t *text_field(const char *name, const char *value)
{
	return json_pack("{s:s}", name, value);
}

/* Reporter details of someone who calls, writes or comes in. */
static void reporter(struct plan *p, char name[32], char phone[12])
{
	wg__demo_name(&p->h.rng, chance(p, 50), name);
	wg__demo_phone(&p->h.rng, phone);
}

static int report(void *ctx, uint32_t i)
{
	struct gen *g = ctx;
	struct plan *p = &g->plans[i];
	const wg__walk_grid *grid = &g->w.grids[p->grid];
	const struct category_info *cat = &g->cats[p->category];
	enum source src = (enum source)p->source;
	const wg__walk_account *who = NULL;
	char county[13];
	snprintf(county, sizeof county, "%.6s000000", grid->village);
	if (src == SRC_GRID && !(who = wg__walk_worker(&g->w, grid->code)))
		src = SRC_WINDOW;
	if (src == SRC_DEPARTMENT) {
		char dept[WG_DEPARTMENT_CODE_MAX + 1];
		int rc = wg_routing_owner(g->w.db, cat->code, "village", grid->village, dept, sizeof dept);
		if (rc && rc != WG_ENOTFOUND)
			return wg__walk_store_failed(&g->w, "routing", rc);
		if (rc || !(who = handler_of(g, dept)))
			src = SRC_WINDOW;
	}
	if (src == SRC_WINDOW)
		who = wg__walk_centre(&g->w, grid->village);
	else if (src == SRC_HOTLINE || src == SRC_CAMERA)
		who = wg__walk_centre(&g->w, county);
	if (src != SRC_CITIZEN && !who) {
		fprintf(stderr,
		        "wangge: demo cases: no centre operator account covers %s (run `wangge demo`)\n",
		        grid->village);
		return WG_ENOTFOUND;
	}

	char place[320], title[520], description[1400], name[32], phone[12];
	int number = 1 + (int)wg__demo_below(&p->h.rng, grid->urban ? 30 : 12);
	snprintf(place, sizeof place, grid->urban ? "%s%d号楼附近" : "%s%d组", grid->name, number);
	snprintf(title, sizeof title, "%s%s", grid->name, cat->name);
	if (cat->detail)
		snprintf(description, sizeof description, "%s%s%s。%s", sources[src].lead, place, cat->detail,
		         PICK(p, endings));
	else
		snprintf(description, sizeof description, "%s%s发现%s问题。%s", sources[src].lead, place,
		         cat->name, PICK(p, endings));
	reporter(p, name, phone);
	bool by_person = src == SRC_CITIZEN || src == SRC_HOTLINE || src == SRC_WINDOW;
	wg_case_report r = {
		.category = cat->code,
		.title = title,
		.description = description,
		.source = sources[src].name,
		.priority = strncmp(cat->code, "10", 2) == 0 ? "urgent" : "normal",
		.address = place,
		.grid = src == SRC_CITIZEN || src == SRC_CAMERA ? NULL : grid->code,
		.has_location = true,
		.lat = p->lat,
		.lng = p->lng,
		.reporter_name = by_person ? name : NULL,
		.reporter_phone = by_person ? phone : NULL,
		.citizen = src == SRC_CITIZEN,
	};
	wg__walk_next_call(&g->w);
	g->w.env.caller = who ? &who->caller : &citizen;
	int rc = 0;
	if ((p->flags & F_SELF) && src == SRC_GRID) {
		json_t *list = NULL;
		r.self_resolved = true;
		r.nphotos = 1 + wg__demo_below(&p->h.rng, 3);
		rc = photos_for(g, p, who, r.nphotos, &list, r.photos);
		json_decref(list);
		/* The engine draws the sample itself; the plan has drawn it at the
		 * configured rate already, so that the demo is the same every run. */
		rc = rc ? rc
		        : wg_config_set(g->w.cfg, "cases.sample_percent",
		                        (p->flags & F_SAMPLED) ? "100" : "0", NULL, 0);
	} else {
		p->flags &= ~(F_SELF | F_SAMPLED | F_SAMPLE_REWORK);
	}
	rc = rc ? rc : wg_case_create(g->w.db, &g->w.env, &r, &p->h.id, p->tracking, &g->w.fe);
	g->w.calls++;
	if (rc)
		return wg__walk_refused(&g->w, NULL, "report", g->w.env.caller, rc);
	p->source = (uint8_t)src;
	return 0;
}

/* ---- what happens next ------------------------------------------------------------------ */

/* A share of the time left on the clock (in working minutes): mostly
 * early, late with the given chance. */
static double pace(struct plan *p, unsigned late_percent, double late_from, double late_to)
{
	double u = unit(p);
	if (chance(p, late_percent))
		return late_from + u * (late_to - late_from);
	return 0.04 + 0.86 * u * u;
}

static bool town_centre(const struct gen *g, const struct row *r, const wg__walk_account **who)
{
	enum wg_region_level level;
	*who = wg__walk_centre(&g->w, r->c.centre);
	return strcmp(r->c.level, "town") == 0 && *who && wg_region_code_level((*who)->scope, &level) &&
	       level == WG_REGION_TOWN;
}

/* When the handling ends: mostly within the deadline, some late (then
 * supervised by the clock), a few so late that the clock escalates. */
static void decide_hold(struct gen *g, struct plan *p, const struct row *r, int64_t now)
{
	double left = (double)wg__walk_minutes_between(&g->w, now, r->c.deadline), f;
	if (left < 30)
		left = 30;
	if ((p->flags & F_SUPERVISE) && !(p->done & D_SUPERVISED))
		f = 1.3 + 0.6 * unit(p);
	else if (wg__demo_below(&p->h.rng, 1000) < 10) {
		int64_t escalation = wg_calendar_add_working_days(g->w.cal, r->c.deadline, 3, g->w.offset);
		p->hold = wg__walk_add_minutes(&g->w, escalation, 30 + 370 * unit(p));
		return;
	} else if (chance(p, 6))
		f = 1.05 + 0.6 * unit(p);
	else
		f = 0.15 + 0.8 * unit(p) * unit(p);
	p->hold = wg__walk_add_minutes(&g->w, now, f * left);
}

static enum step choose(const struct gen *g, struct plan *p, const struct row *r)
{
	const wg__walk_account *town;
	switch (r->c.state) {
	case ST_REPORTED: return (p->flags & F_REJECT) ? S_REJECT : (p->flags & F_DUP) ? S_MERGE : S_ACCEPT;
	case ST_ACCEPTED:
		if (p->flags & F_DUP)
			return S_MERGE;
		if ((p->flags & F_ESCALATE) && !(p->done & D_ESCALATED) && !r->escalations &&
		    strcmp(r->c.level, "county") != 0)
			return S_ESCALATE;
		return S_ASSESS;
	case ST_ASSESSED:
		if ((p->flags & F_SUMMON) && !(p->done & D_SUMMONED) && town_centre(g, r, &town))
			return S_SUMMON;
		if (p->reported_in + ((p->flags & F_SUMMON_LATE) ? 1 : 0) < p->nsummoned)
			return S_REPORT_IN;
		return S_DISPATCH;
	case ST_RETURNED: return S_DISPATCH;
	case ST_DISPATCHED:
		return (p->flags & F_RETURN) && !(p->done & D_RETURNED) ? S_RETURN : S_ACKNOWLEDGE;
	case ST_HANDLING:
		if (r->pending_deadline)
			return S_DECIDE;
		if ((p->flags & F_EXTEND) && !(p->done & D_EXTENDED))
			return S_EXTEND;
		if ((p->flags & F_SUPERVISE) && !(p->done & D_SUPERVISED) &&
		    p->hold > r->c.deadline + HOUR_MS)
			return S_SUPERVISE;
		return S_FEEDBACK;
	case ST_FEEDBACK:
	case ST_SAMPLED:
		return ((p->flags & (r->c.state == ST_SAMPLED ? F_SAMPLE_REWORK : F_REWORK)) &&
		        !(p->done & D_REWORKED))
		               ? S_REWORK
		               : S_VERIFY;
	case ST_VERIFIED: return S_CLOSE;
	case ST_CLOSED: return S_CALLBACK;
	case ST_DISSATISFIED: return (p->flags & F_REOPEN) ? S_REOPEN : S_ARCHIVE;
	}
	return S_NONE;
}

/* When step s comes, from now. */
static int64_t when(struct gen *g, struct plan *p, const struct row *r, enum step s, int64_t now)
{
	double left = wg__walk_time_left(&g->w, now, r->c.deadline, 30), f;
	switch (s) {
	case S_ACCEPT:
	case S_REJECT:
	case S_MERGE:
		/* Some very late ones: the accept clock escalates them first. */
		f = chance(p, 1) ? 3.1 + 0.5 * unit(p) : pace(p, 3, 1.1, 2.6);
		break;
	case S_ASSESS:
	case S_DISPATCH: f = pace(p, 2, 1.1, 2.5); break;
	case S_ACKNOWLEDGE: f = pace(p, 4, 1.1, 2.5); break;
	case S_VERIFY: f = pace(p, 3, 1.1, 1.8); break;
	case S_CLOSE: f = pace(p, 2, 1.1, 1.8); break;
	case S_CALLBACK: f = pace(p, 2, 1.1, 1.6); break;
	case S_REOPEN:
	case S_ARCHIVE: f = pace(p, 3, 1.1, 1.6); break;
	case S_SUMMON: f = 0.05 + 0.35 * unit(p); break;
	case S_REPORT_IN:
		return wg__walk_add_minutes(&g->w, now, (double)p->hours * 60 * (0.1 + 0.4 * unit(p)));
	case S_EXTEND: f = 0.3 + 0.4 * unit(p); break;
	case S_DECIDE: return wg__walk_add_minutes(&g->w, now, 30 + 300 * unit(p));
	case S_SUPERVISE:
		return wg__walk_add_minutes(&g->w, r->c.deadline + (p->hold - r->c.deadline) / 2, 0);
	case S_FEEDBACK: return p->hold;
	case S_ESCALATE:
	case S_RETURN:
	case S_REWORK: f = 0.1 + 0.6 * unit(p); break;
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
	if (r->c.state != ST_HANDLING)
		p->hold = 0;
	if (r->c.state == NONE || r->c.state == p->held || r->c.state >= ST_ARCHIVED)
		return 0;
	if (r->c.state == ST_HANDLING && !p->hold && !r->pending_deadline &&
	    (!(p->flags & F_EXTEND) || (p->done & D_EXTENDED)))
		decide_hold(g, p, r, now);
	enum step s = choose(g, p, r);
	int64_t t = when(g, p, r, s, now);
	if (s == S_NONE)
		return 0;
	if (t <= now)
		t = now + MINUTE_MS;
	/* A held case gets to its state before the present, however fast. */
	if (p->held != NONE && t >= g->w.end - MINUTE_MS) {
		t = now + (g->w.end - now) / 3;
		if (s == S_FEEDBACK)
			p->hold = t;
	}
	p->next = (uint8_t)s;
	return t;
}

/* ---- taking the step --------------------------------------------------------------------- */

static const wg__walk_account *verifier(const struct gen *g, const struct plan *p, const struct row *r,
                                        const wg__walk_account *centre)
{
	const wg__walk_account *w = (p->flags & F_VERIFY_ON_SITE) ? wg__walk_worker(&g->w, r->c.grid) : NULL;
	return w ? w : centre;
}

static int summon(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *town)
{
	char owner[WG_DEPARTMENT_CODE_MAX + 1], police[WG_DEPARTMENT_CODE_MAX + 1];
	int rc = wg_routing_owner(g->w.db, r->c.category, "county", r->c.region, owner, sizeof owner);
	if (rc && rc != WG_ENOTFOUND)
		return wg__walk_store_failed(&g->w, "routing", rc);
	snprintf(police, sizeof police, "%.6s-police", r->c.region);
	json_t *list = json_array();
	p->nsummoned = 0;
	const char *codes[] = {rc ? NULL : owner, police};
	for (size_t k = 0; list && k < 2; k++) {
		int32_t d = codes[k] ? dept_index(g, codes[k]) : NONE;
		if (d == NONE || (k == 1 && p->nsummoned && d == p->summoned[0]))
			continue;
		p->summoned[p->nsummoned++] = (int16_t)d;
		json_array_append_new(list, json_string(g->depts[d].code));
	}
	p->done |= D_SUMMONED;
	if (!p->nsummoned) {
		json_decref(list);
		return 0;
	}
	return act(g, p, r, &town->caller, "summon",
	           json_pack("{s:o, s:I, s:s}", "departments", list, "hours", (json_int_t)p->hours, "note",
	                     "请相关部门到现场联合处置"));
}

static int dispatch(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *centre)
{
	json_t *f = json_object();
	bool county = strcmp(r->c.level, "county") == 0;
	char owner[WG_DEPARTMENT_CODE_MAX + 1], above[WG_DEPARTMENT_CODE_MAX + 1];
	int rc =
		county ? WG_ENOTFOUND
		       : wg_routing_owner(g->w.db, r->c.category, "county", r->c.region, above, sizeof above);
	if (rc && rc != WG_ENOTFOUND) {
		json_decref(f);
		return wg__walk_store_failed(&g->w, "routing", rc);
	}
	bool have_above = rc == 0;
	if (r->c.state == ST_RETURNED && have_above) {
		/* The department gave it back: the county's takes it over. */
		json_object_set_new(f, "department", json_string(above));
		json_object_set_new(f, "reason", json_string("原承办单位退回，改派县级主管部门办理"));
	} else if (r->c.state == ST_ASSESSED && (p->flags & F_CO) && have_above &&
	           (rc = wg_routing_owner(g->w.db, r->c.category, r->c.level, r->c.region, owner,
	                                  sizeof owner)) == 0 &&
	           strcmp(owner, above) != 0) {
		json_object_set_new(f, "co_departments", json_pack("[s]", above));
		json_object_set_new(f, "note", json_string("请县级主管部门协助办理"));
	} else if (rc && rc != WG_ENOTFOUND) {
		json_decref(f);
		return wg__walk_store_failed(&g->w, "routing", rc);
	}
	return act(g, p, r, &centre->caller, "dispatch", f);
}

static int extend(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *handler)
{
	int64_t base = r->handle_deadline > g->w.env.now ? r->handle_deadline : g->w.env.now;
	int64_t until = wg_calendar_add_working_days(g->w.cal, base, 3 + (int)wg__demo_below(&p->h.rng, 8),
	                                             g->w.offset);
	char text[40];
	if (wg_clock_format_rfc3339(until, g->w.offset, 0, text, sizeof text) != 0)
		return WG_EINTERNAL;
	p->done |= D_EXTENDED;
	return act(g, p, r, &handler->caller, "extend",
	           json_pack("{s:s, s:s}", "deadline", text, "reason", PICK(p, extend_reasons)));
}

static int feedback(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *handler)
{
	json_t *f = text_field("result", PICK(p, results));
	if (f && chance(p, 60)) {
		json_t *list;
		int rc = photos_for(g, p, handler, 1 + wg__demo_below(&p->h.rng, 2), &list, NULL);
		if (rc) {
			json_decref(list);
			json_decref(f);
			return wg__walk_store_failed(&g->w, "photos", rc);
		}
		json_object_set_new(f, "photos", list);
	}
	return act(g, p, r, &handler->caller, "feedback", f);
}

static int verify(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *who)
{
	json_t *f = text_field("note", PICK(p, verify_notes));
	if (f && (who->roles & WG_ROLE_GRID_WORKER) && chance(p, 70)) {
		json_t *list;
		int rc = photos_for(g, p, who, 1, &list, NULL);
		if (rc) {
			json_decref(list);
			json_decref(f);
			return wg__walk_store_failed(&g->w, "photos", rc);
		}
		json_object_set_new(f, "photos", list);
	}
	return act(g, p, r, &who->caller, "verify", f);
}

static int call_back(struct gen *g, struct plan *p, const struct row *r, const wg__walk_account *centre)
{
	int s = (p->done & D_CALLED_BACK) ? 3 + (int)wg__demo_below(&p->h.rng, 3) : p->satisfaction;
	const char *comment = s >= 4   ? comments[wg__demo_below(&p->h.rng, 3)]
	                      : s == 3 ? comments[2]
	                               : comments[3 + wg__demo_below(&p->h.rng, 2)];
	bool portal = p->source == SRC_CITIZEN && (p->flags & F_PORTAL_RATE) && !(p->done & D_CALLED_BACK) &&
	              p->tracking[0];
	p->done |= D_CALLED_BACK;
	if (!portal)
		return act(g, p, r, &centre->caller, "callback",
		           json_pack("{s:i, s:s}", "satisfaction", s, "comment", comment));
	g->w.env.caller = &citizen;
	int rc = wg_case_public_rate(g->w.db, &g->w.env, p->tracking, s, comment, &g->w.fe);
	g->w.calls++;
	return rc ? wg__walk_refused(&g->w, r->c.number, "callback", &citizen, rc) : 0;
}

static int perform(void *ctx, uint32_t i, const void *row)
{
	struct gen *g = ctx;
	const struct row *r = row;
	struct plan *p = &g->plans[i];
	const wg__walk_account *centre = wg__walk_centre(&g->w, r->c.centre);
	const wg__walk_account *handler = r->c.department[0] ? handler_of(g, r->c.department) : NULL;
	enum step s = (enum step)p->next;
	bool by_department = s == S_ACKNOWLEDGE || s == S_RETURN || s == S_EXTEND || s == S_FEEDBACK;
	if (by_department && !handler)
		return wg__walk_nobody(r->c.number, "department handler",
		                       r->c.department[0] ? r->c.department : "(no department)");
	if (!by_department && !centre)
		return wg__walk_nobody(r->c.number, "centre operator", r->c.centre);
	const wg_caller *c = &centre->caller;
	switch (s) {
	case S_ACCEPT:
		return act(g, p, r, c, "accept",
		           chance(p, 30) ? text_field("note", "已受理，转研判") : json_object());
	case S_REJECT: return act(g, p, r, c, "reject", text_field("reason", PICK(p, reject_reasons)));
	case S_MERGE: {
		int64_t master = p->master != NONE ? g->plans[p->master].h.id : 0;
		if (!master) {
			p->flags &= ~F_DUP;
			return act(g, p, r, c, "accept", json_object());
		}
		return act(g, p, r, c, "merge",
		           json_pack("{s:I, s:s}", "master", (json_int_t)master, "reason",
		                     "与已受理事项重复，合并办理"));
	}
	case S_ESCALATE: {
		static const char *const reasons[] = {"事项复杂，需上级统筹协调",
		                                      "涉及多个部门，本级难以协调解决"};
		p->done |= D_ESCALATED;
		return act(g, p, r, c, "escalate", text_field("reason", PICK(p, reasons)));
	}
	case S_ASSESS: {
		json_t *f = json_object();
		if (f && !(p->done & D_ASSESSED)) {
			bool low = strcmp(r->c.level, "village") == 0 || strcmp(r->c.level, "grid") == 0;
			if (p->flags & F_URGENT)
				json_object_set_new(f, "priority", json_string("urgent"));
			if ((p->flags & F_RAISE_COUNTY) && strcmp(r->c.level, "county") != 0)
				json_object_set_new(f, "level", json_string("county"));
			else if ((p->flags & F_RAISE_TOWN) && low)
				json_object_set_new(f, "level", json_string("town"));
		}
		p->done |= D_ASSESSED;
		return act(g, p, r, c, "assess", f);
	}
	case S_SUMMON: {
		const wg__walk_account *town;
		if (!town_centre(g, r, &town)) {
			p->done |= D_SUMMONED;
			return 0;
		}
		return summon(g, p, r, town);
	}
	case S_REPORT_IN: {
		const struct dept_info *d = &g->depts[p->summoned[p->reported_in++]];
		const wg__walk_account *h = handler_of(g, d->code);
		if (!h)
			return wg__walk_nobody(r->c.number, "department handler", d->code);
		return act(g, p, r, &h->caller, "report_in", text_field("note", "已到现场报到"));
	}
	case S_DISPATCH: return dispatch(g, p, r, centre);
	case S_ACKNOWLEDGE: return act(g, p, r, &handler->caller, "acknowledge", json_object());
	case S_RETURN:
		p->done |= D_RETURNED;
		return act(g, p, r, &handler->caller, "return",
		           text_field("reason", PICK(p, return_reasons)));
	case S_EXTEND: return extend(g, p, r, handler);
	case S_DECIDE:
		p->hold = 0;
		if (p->flags & F_EXT_REFUSED)
			return act(g, p, r, c, "refuse_extension",
			           text_field("reason", "延期理由不充分，请按原时限办结"));
		return act(g, p, r, c, "approve_extension", text_field("note", "同意延期"));
	case S_SUPERVISE: {
		const wg__walk_account *leader = g->leader != NONE ? &g->w.accounts[g->leader] : centre;
		p->done |= D_SUPERVISED;
		return act(g, p, r, &leader->caller, "supervise",
		           json_pack("{s:s, s:s}", "colour", chance(p, 40) ? "red" : "yellow", "note",
		                     "该事项已超期，请加快办理进度"));
	}
	case S_FEEDBACK: return feedback(g, p, r, handler);
	case S_VERIFY: return verify(g, p, r, verifier(g, p, r, centre));
	case S_REWORK:
		p->done |= D_REWORKED;
		return act(g, p, r, &verifier(g, p, r, centre)->caller, "rework",
		           text_field("reason", PICK(p, rework_reasons)));
	case S_CLOSE:
		return act(g, p, r, c, "close", chance(p, 20) ? text_field("note", "已办结") : json_object());
	case S_CALLBACK: return call_back(g, p, r, centre);
	case S_REOPEN: return act(g, p, r, c, "reopen", text_field("reason", PICK(p, reopen_reasons)));
	case S_ARCHIVE: return act(g, p, r, c, "archive", text_field("reason", PICK(p, archive_reasons)));
	case S_NONE: break;
	}
	return 0;
}

/* ---- the flow, as the server loads it ------------------------------------------------ */

static int load_engine_data(struct gen *g)
{
	static const char *const actions[] = {
		"accept",           "reject",    "merge",       "escalate", "assess", "summon",
		"report_in",        "dispatch",  "acknowledge", "return",   "extend", "approve_extension",
		"refuse_extension", "supervise", "feedback",    "verify",   "rework", "close",
		"callback",         "reopen",    "archive",
	};
	static const wg__walk_flow flow = {.kind = "event",
	                                   .states = state_names,
	                                   .nstates = ST_COUNT,
	                                   .actions = actions,
	                                   .nactions = sizeof actions / sizeof actions[0]};
	return wg__walk_load_engine(&g->w, &flow, 1);
}

/* ---- the summary ---------------------------------------------------------------------------- */

static int count_where(wg_db *db, const char *sql, int64_t at, int64_t *n)
{
	wg_stmt *st;
	*n = 0;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "i", at);
	if (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW)
		*n = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int print_summary(struct gen *g)
{
	char n1[32], n2[32], from[40] = "", to[40] = "";
	int64_t events, overdue, yellow, red, escalated, merged_into, self;
	int rc = count_of(g->w.db, "SELECT count(*) FROM case_events", &events);
	rc = rc ? rc
	        : count_where(g->w.db, "SELECT count(*) FROM cases WHERE overdue = 1 OR deadline < ?",
	                      g->w.end, &overdue);
	rc = rc ? rc : count_of(g->w.db, "SELECT count(*) FROM cases WHERE supervision = 'yellow'", &yellow);
	rc = rc ? rc : count_of(g->w.db, "SELECT count(*) FROM cases WHERE supervision = 'red'", &red);
	rc = rc ? rc : count_of(g->w.db, "SELECT count(*) FROM cases WHERE escalations > 0", &escalated);
	rc = rc ? rc : count_of(g->w.db, "SELECT count(*) FROM cases WHERE master IS NOT NULL", &merged_into);
	rc = rc ? rc : count_of(g->w.db, "SELECT count(*) FROM cases WHERE self_resolved = 1", &self);
	if (rc)
		return wg__walk_store_failed(&g->w, "counting cases", rc);
	wg_progress_thousands(g->w.reported, n1, sizeof n1);
	wg_progress_thousands(events, n2, sizeof n2);
	wg_clock_format_rfc3339(g->w.start, g->w.offset, 0, from, sizeof from);
	wg_clock_format_rfc3339(g->w.end, g->w.offset, 0, to, sizeof to);
	printf("cases: %s reported from %.10s to %.10s, %s timeline events\n", n1, from, to, n2);
	wg_stmt *st;
	rc = wg_db_prepare_cached(g->w.db,
	                          "SELECT state, count(*) FROM cases GROUP BY state ORDER BY 2 DESC, 1", &st);
	if (rc)
		return wg__walk_store_failed(&g->w, "counting cases", rc);
	fputs("  by state:", stdout);
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW)
		printf(" %s %" PRId64, wg_stmt_text(st, 0, NULL), wg_stmt_int(st, 1));
	wg_stmt_finalize(st);
	printf("\n  overdue now %" PRId64 ", under supervision %" PRId64 " (yellow %" PRId64 ", red %" PRId64
	       "), escalated %" PRId64 ", merged %" PRId64 ", self-resolved %" PRId64 "\n",
	       overdue, yellow + red, yellow, red, escalated, merged_into, self);
	return rc < 0 ? wg__walk_store_failed(&g->w, "counting cases", rc) : 0;
}

/* ---- the whole ------------------------------------------------------------------------------ */

static void free_gen(struct gen *g)
{
	wg__walk_free(&g->w);
	wg_free(g->cats);
	wg_free(g->depts);
	wg_free(g->plans);
	wg_free(g);
}

int wg__demo_cases(wg_db *db, wg_config *cfg, const struct wg_secret_key *key,
                   const wg__demo_cases_options *o, bool *made)
{
	*made = false;
	int64_t existing;
	/* Events only: the disputes and petitions are demo_disputes.c's. */
	int rc = count_of(db, "SELECT count(*) FROM cases WHERE kind = 'event'", &existing);
	if (rc) {
		fprintf(stderr, "wangge: demo cases: %s\n", wg_db_errmsg(db));
		return rc;
	}
	if (existing) {
		printf("cases: %" PRId64 " exist, left as they are\n", existing);
		return 0;
	}
	if (o->count <= 0)
		return 0;
	struct gen *g = wg_calloc(1, sizeof *g);
	if (!g)
		return WG_ENOMEM;
	g->o = o;
	g->leader = NONE;
	wg__walk_init(&g->w, db, cfg, key, "cases", o->progress);
	rc = load_engine_data(g);
	wg_config_get(cfg, "cases.sample_percent", g->sample_setting, sizeof g->sample_setting);
	g->sample_percent = cfg->cases_sample_percent;
	rc = rc ? rc : wg__walk_load_grids(&g->w, 2.0, 0.3);
	rc = rc ? rc : load_categories(g, "event");
	rc = rc ? rc : load_departments(g);
	rc = rc ? rc : load_accounts(g);
	rc = rc ? rc : add_handlers(g);
	rc = rc ? rc : save_photos(g);
	rc = rc ? rc : plan_cases(g);
	static const wg__walk_ops ops = {.plan_size = sizeof(struct plan),
	                                 .sql = "SELECT state, number, level, centre, region, grid, "
	                                        "category, department, deadline, handle_deadline, "
	                                        "pending_deadline, escalations FROM cases WHERE id = ?",
	                                 .states = state_names,
	                                 .nstates = ST_COUNT,
	                                 .more = more_columns,
	                                 .report = report,
	                                 .take = perform,
	                                 .schedule = schedule};
	struct row row;
	rc = rc ? rc : wg__walk_run(&g->w, g->plans, g->nplans, &ops, &row, g);
	wg_config_set(cfg, "cases.sample_percent", g->sample_setting, NULL, 0);
	rc = rc ? rc : print_summary(g);
	if (!rc)
		wg__walk_report_time(&g->w);
	*made = rc == 0;
	free_gen(g);
	return rc;
}
