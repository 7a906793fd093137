/* The demo county's people: names, ID numbers, phones. */
#include "cli/demo_people.h"

#include "core/alloc.h"
#include "core/ident.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define YEARS (WG__DEMO_LAST_YEAR - WG__DEMO_FIRST_YEAR + 1)
#define DAYS (YEARS * 366)
#define SEQUENCES 1000

struct wg__demo_people {
	uint8_t taken[(size_t)DAYS * SEQUENCES / 8]; /* bit per day of the range and sequence */
};

/* The most common surnames, the first ones several times so they come up
 * as often as they do in Shaanxi. */
static const char *const surnames[] = {
	"王", "王", "王", "李", "李", "李", "张", "张", "张", "刘", "刘", "杨", "杨", "赵", "赵",
	"陈", "陈", "周", "吴", "孙", "马", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢",
	"宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "田", "董", "袁", "潘", "蒋", "蔡",
	"余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "薛",
};
static const char *const male_given[] = {
	"伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏",
	"华", "飞", "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙",
	"林", "阳", "建", "国", "文", "志", "海", "峰", "亮", "成", "东", "博",
};
static const char *const female_given[] = {
	"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "琳",
	"洁", "红", "梅", "英", "萍", "琴", "颖", "倩", "悦", "欣", "佳", "晶", "妍", "月",
	"莉", "兰", "秀", "春", "丹", "楠", "瑶", "璐", "蕾", "薇", "雯", "茜",
};
static const char *const mobile_prefixes[] = {
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
	"152", "153", "155", "156", "157", "158", "159", "166", "173", "177", "180", "181",
	"182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199",
};

#define PICK(r, list) ((list)[wg__demo_below((r), sizeof(list) / sizeof((list)[0]))])

wg__demo_people *wg__demo_people_new(void)
{
	wg__demo_people *p = wg_malloc(sizeof *p);
	if (p)
		memset(p, 0, sizeof *p);
	return p;
}

void wg__demo_people_free(wg__demo_people *p)
{
	wg_free(p);
}

void wg__demo_name(wg__demo_rng *r, bool male, char out[32])
{
	const char *a = male ? PICK(r, male_given) : PICK(r, female_given);
	/* About two in three given names have two characters. */
	if (wg__demo_below(r, 3) == 0)
		snprintf(out, 32, "%s%s", PICK(r, surnames), a);
	else
		snprintf(out, 32, "%s%s%s", PICK(r, surnames), a,
		         male ? PICK(r, male_given) : PICK(r, female_given));
}

void wg__demo_phone(wg__demo_rng *r, char out[12])
{
	snprintf(out, 12, "%s%08u", PICK(r, mobile_prefixes), (unsigned)wg__demo_below(r, 100000000));
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Claim a free sequence number of the given parity on that day (day of
 * the range 0..DAYS), starting from a random one; -1 when all are taken. */
static int claim(wg__demo_people *p, wg__demo_rng *r, size_t day, bool male)
{
	unsigned start = (unsigned)wg__demo_below(r, SEQUENCES / 2);
	for (unsigned k = 0; k < SEQUENCES / 2; k++) {
		/* The sequence's last digit is odd for men (GB 11643). */
		unsigned seq = ((start + k) % (SEQUENCES / 2)) * 2 + (male ? 1 : 0);
		size_t bit = day * SEQUENCES + seq;
		if (!(p->taken[bit / 8] & (1u << (bit % 8)))) {
			p->taken[bit / 8] |= (uint8_t)(1u << (bit % 8));
			return (int)seq;
		}
	}
	return -1;
}

bool wg__demo_person_new(wg__demo_people *p, wg__demo_rng *r, const char *region6, int from_year, int to_year,
                         wg__demo_person *out)
{
	if (from_year < WG__DEMO_FIRST_YEAR)
		from_year = WG__DEMO_FIRST_YEAR;
	if (to_year > WG__DEMO_LAST_YEAR)
		to_year = WG__DEMO_LAST_YEAR;
	int span = to_year - from_year + 1;
	int year = from_year + (int)wg__demo_below(r, (uint64_t)span);
	int month = 1 + (int)wg__demo_below(r, 12);
	int day = 1 + (int)wg__demo_below(r, (uint64_t)month_days(year, month));
	out->male = wg__demo_below(r, 2) == 0;
	out->birth_year = year;
	size_t day_of_year = (size_t)day - 1;
	for (int m = 1; m < month; m++)
		day_of_year += (size_t)month_days(year, m);
	int seq = claim(p, r, (size_t)(year - WG__DEMO_FIRST_YEAR) * 366 + day_of_year, out->male);
	if (seq < 0)
		return false;
	char digits[32];
	snprintf(digits, sizeof digits, "%.6s%04d%02d%02d%03d", region6, year % 10000, month % 100, day % 100,
	         seq % 1000);
	memcpy(out->id_number, digits, 17);
	out->id_number[17] = wg_ident_id_check_char(digits);
	out->id_number[18] = '\0';
	wg__demo_name(r, out->male, out->name);
	wg__demo_phone(r, out->phone);
	return true;
}
