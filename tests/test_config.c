/* test_config.c — unit tests of errors.c, params.c and config.c.
 *
 * Uses a small local parameter table covering every type, exclusive and open ranges,
 * an enumeration, a grid, a path, a required key and defaults.  Model files are given
 * as strings (hd_config_load_string) except where reading a real file matters. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "params.h"

#include "check.h"

/* ---------------------------------------------------------------- the local table */

struct tparams {
  long n;
  long big;
  double x;
  double y;
  double lr;
  bool flag;
  int mode;
  char name[HD_STR_MAX];
  char file[HD_STR_MAX];
  struct hd_grid times;
  double tol;
};

#define F(field) offsetof(struct tparams, field)
static const char *const modes[] = {"isotropic", "zero_one", "power_law", NULL};

static const struct hd_param table[] = {
    {"data", "n", HD_INT, F(n), "10", 1, 1000, 0, NULL, "", "an int in [1, 1000]", "T-1"},
    {"data", "big", HD_INT, F(big), "0", 0, 0, HD_NO_MIN | HD_NO_MAX, NULL, "", "any long", NULL},
    {"data", "x", HD_REAL, F(x), "0.5", 0, 2, HD_MIN_EXCL | HD_MAX_EXCL, NULL, "", "in (0, 2)",
     NULL},
    {"data", "mode", HD_ENUM, F(mode), "isotropic", 0, 0, 0, modes, "", "an enum", NULL},
    {"data", "file", HD_PATH, F(file), "", 0, 0, 0, NULL, "", "a path", NULL},
    {"opt", "lr", HD_REAL, F(lr), NULL, 0, 0, HD_MIN_EXCL | HD_NO_MAX, NULL, "1/t", "required",
     "LS-3"},
    {"opt", "y", HD_REAL, F(y), "0", 0, 0, HD_NO_MIN | HD_NO_MAX, NULL, "", "any real", NULL},
    {"opt", "flag", HD_BOOL, F(flag), "false", 0, 0, 0, NULL, "", "a bool", NULL},
    {"out", "name", HD_STRING, F(name), "run", 0, 0, 0, NULL, "", "a string", NULL},
    {"out", "times", HD_GRID, F(times), "auto", 0, 0, 0, NULL, "t", "a grid", NULL},
    {"out", "tol", HD_REAL, F(tol), "auto", 0, 1, HD_MIN_EXCL | HD_AUTO, NULL, "", "auto or real",
     NULL},
};
static const size_t table_n = sizeof table / sizeof table[0];

static const struct hd_param *row(const char *key)
{
  for (size_t i = 0; i < table_n; i++)
    if (strcmp(table[i].key, key) == 0) return &table[i];
  abort();
}

/* ---------------------------------------------------------------- helpers */

static bool has_msg(const struct hd_errors *e, const char *sub)
{
  for (size_t i = 0; i < e->count; i++)
    if (strstr(e->msg[i], sub)) return true;
  return false;
}

static void dump(const struct hd_errors *e)
{
  for (size_t i = 0; i < e->count; i++) fprintf(stderr, "    | %s\n", e->msg[i]);
}

#define CHECK_MSG(e, sub)                                                                          \
  do {                                                                                             \
    bool found_ = has_msg(e, sub);                                                                 \
    CHECK(found_, "no message containing \"%s\"", sub);                                            \
    if (!found_) dump(e);                                                                          \
  } while (0)

#define CHECK_COUNT(e, n)                                                                          \
  do {                                                                                             \
    CHECK((e)->count == (size_t)(n), "expected %zu errors, got %zu", (size_t)(n), (e)->count);     \
    if ((e)->count != (size_t)(n)) dump(e);                                                        \
  } while (0)

/* Parses text for one row; returns 0/-1 and leaves the message in msg. */
static int parse1(const char *key, const char *text, struct tparams *p, char *msg)
{
  msg[0] = '\0';
  return hd_param_parse(row(key), text, p, msg, 512);
}

#define GOOD(key, text)                                                                            \
  do {                                                                                             \
    char m_[512];                                                                                  \
    CHECK(parse1(key, text, &p, m_) == 0, "%s = \"%s\" rejected: %s", key, text, m_);              \
  } while (0)

#define BAD(key, text, sub)                                                                        \
  do {                                                                                             \
    char m_[512];                                                                                  \
    int rc_ = parse1(key, text, &p, m_);                                                           \
    CHECK(rc_ < 0 && strstr(m_, sub), "%s = \"%s\": rc %d, message \"%s\", wanted \"%s\"", key,    \
          text, rc_, m_, sub);                                                                     \
  } while (0)

/* Loads, binds the table and checks unused keys: the full pipeline. */
static struct hd_config *pipeline(const char *text, struct tparams *p, struct hd_errors *e)
{
  struct hd_config *cfg = hd_config_load_string("t.ini", text, e);
  if (!cfg) return NULL;
  hd_config_bind(cfg, table, table_n, p, e);
  hd_config_check_unused(cfg, e);
  return cfg;
}

/* ---------------------------------------------------------------- tests: errors */

static void test_errors(void)
{
  struct hd_errors e;
  hd_errors_init(&e);
  hd_errors_add(&e, "m.ini", 5, "data", "d", "bad %d", 3);
  hd_errors_add(&e, "m.ini", 0, "data", "d", "x");
  hd_errors_add(&e, "m.ini", 7, NULL, NULL, "line");
  hd_errors_add(&e, "m.ini", 2, NULL, "seed", "outside");
  hd_errors_add(&e, NULL, 0, NULL, NULL, "bare");
  hd_errors_addf(&e, "verbatim %s", "text");
  for (int i = 0; i < 20; i++) hd_errors_addf(&e, "grow %d", i); /* reallocation */
  CHECK(e.count == 26, "count %zu", e.count);
  CHECK(strcmp(e.msg[0], "m.ini:5: [data] d: bad 3") == 0, "%s", e.msg[0]);
  CHECK(strcmp(e.msg[1], "m.ini: [data] d: x") == 0, "%s", e.msg[1]);
  CHECK(strcmp(e.msg[2], "m.ini:7: line") == 0, "%s", e.msg[2]);
  CHECK(strcmp(e.msg[3], "m.ini:2: seed: outside") == 0, "%s", e.msg[3]);
  CHECK(strcmp(e.msg[4], "bare") == 0, "%s", e.msg[4]);
  CHECK(strcmp(e.msg[5], "verbatim text") == 0, "%s", e.msg[5]);
  CHECK(strcmp(e.msg[25], "grow 19") == 0, "%s", e.msg[25]);
  hd_errors_free(&e);
  CHECK(e.count == 0 && e.msg == NULL, "free resets");
}

/* ---------------------------------------------------------------- tests: params */

static void test_parse_types(void)
{
  struct tparams p;
  memset(&p, 0, sizeof p);

  GOOD("n", "12");
  CHECK(p.n == 12, "n = %ld", p.n);
  GOOD("n", "12  ");
  GOOD("n", "1");
  GOOD("n", "1000");
  BAD("n", "0", "value 0 out of range [1, 1000]");
  BAD("n", "1001", "out of range");
  GOOD("n", "1e3"); /* exactly integral numbers are whole numbers */
  CHECK(p.n == 1000, "1e3: n = %ld", p.n);
  GOOD("n", "12.0");
  CHECK(p.n == 12, "12.0: n = %ld", p.n);
  GOOD("n", "2^9");
  CHECK(p.n == 512, "2^9: n = %ld", p.n);
  GOOD("n", "2.5e1");
  CHECK(p.n == 25, "2.5e1: n = %ld", p.n);
  BAD("n", "2^10", "value 2^10 out of range [1, 1000]");
  BAD("n", "1.5", "expected an integer, got \"1.5\"");
  BAD("n", "1e-3", "expected an integer");
  BAD("n", "2^-1", "expected an integer");
  BAD("n", "2^", "expected an integer");
  BAD("n", "100 abc", "expected an integer, got \"100 abc\"");
  BAD("big", "2^63", "does not fit");
  BAD("big", "1e19", "does not fit");
  GOOD("big", "2^62");
  CHECK(p.big == 4611686018427387904L, "2^62: big = %ld", p.big);
  BAD("n", "0x10", "expected an integer");
  BAD("n", "", "expected an integer");
  BAD("big", "99999999999999999999", "does not fit");
  BAD("big", "-99999999999999999999", "does not fit");
  GOOD("big", "-9223372036854775808");
  CHECK(p.big == -9223372036854775807L - 1, "big = %ld", p.big);

  GOOD("x", "1.5");
  CHECK(p.x == 1.5, "x = %g", p.x);
  GOOD("x", "0x1p-1"); /* C syntax, hex floats included */
  CHECK(p.x == 0.5, "x = %g", p.x);
  GOOD("x", "1e-300");
  BAD("x", "0.5x", "expected a real number, got \"0.5x\"");
  BAD("x", "3", "value 3 out of range (0, 2)");
  BAD("x", "0", "out of range (0, 2)"); /* exclusive bounds */
  BAD("x", "2", "out of range (0, 2)");
  BAD("x", "nan", "finite");
  BAD("x", "NaN", "finite");
  BAD("x", "inf", "finite");
  BAD("x", "-infinity", "finite");
  BAD("y", "1e999", "finite");
  BAD("y", "1e-999", "underflows");
  BAD("y", "", "expected a real number");
  GOOD("y", "-1e300");
  GOOD("lr", "1e10");
  BAD("lr", "0", "(0, inf)");
  BAD("lr", "-0.0", "out of range");

  GOOD("flag", "true");
  CHECK(p.flag, "flag");
  GOOD("flag", "false");
  CHECK(!p.flag, "flag");
  BAD("flag", "yes", "expected true or false, got \"yes\"");
  BAD("flag", "True", "expected true or false");
  BAD("flag", "1", "expected true or false");

  GOOD("mode", "power_law");
  CHECK(p.mode == 2, "mode = %d", p.mode);
  BAD("mode", "powerlaw", "expected one of: isotropic | zero_one | power_law");
  BAD("mode", "Isotropic", "got \"Isotropic\"");

  char s[HD_STR_MAX + 8];
  memset(s, 'a', HD_STR_MAX - 1);
  s[HD_STR_MAX - 1] = '\0';
  GOOD("name", s);
  CHECK(strlen(p.name) == HD_STR_MAX - 1, "255-character string kept");
  s[HD_STR_MAX - 1] = 'a';
  s[HD_STR_MAX] = '\0';
  BAD("name", s, "longer than 255");
  BAD("file", s, "longer than 255");
  GOOD("file", "");
  GOOD("file", "sub dir/spec.txt");
  CHECK(strcmp(p.file, "sub dir/spec.txt") == 0, "file = %s", p.file);

  GOOD("times", "auto");
  CHECK(p.times.kind == HD_GRID_AUTO, "auto");
  GOOD("times", "  auto ");
  GOOD("times", "log(0.01, 2, 20)");
  CHECK(p.times.kind == HD_GRID_LOG && p.times.a == 0.01 && p.times.b == 2 && p.times.n == 20,
        "log grid");
  GOOD("times", " log ( 1e-2 ,2,20 ) ");
  GOOD("times", "linear(0, 10, 101)");
  CHECK(p.times.kind == HD_GRID_LINEAR && p.times.a == 0 && p.times.b == 10 && p.times.n == 101,
        "linear grid");
  GOOD("times", "linear(0,1,2)");
  BAD("times", "log(0, 10, 5)", "0 < a < b");
  BAD("times", "log(-1, 10, 5)", "0 < a < b");
  BAD("times", "log(2, 1, 5)", "0 < a < b");
  BAD("times", "log(1, 1, 5)", "0 < a < b");
  BAD("times", "linear(-1, 1, 3)", "0 <= a < b");
  BAD("times", "log(1, 2, 1)", "n >= 2");
  GOOD("times", "0, 0.5, 1, 2, 4");
  CHECK(p.times.kind == HD_GRID_LIST && p.times.n == 5 && p.times.list[1] == 0.5 &&
            p.times.a == 0 && p.times.b == 4,
        "list of times");
  GOOD("times", " 2.5 ");
  CHECK(p.times.kind == HD_GRID_LIST && p.times.n == 1 && p.times.b == 2.5, "one time");
  BAD("times", "0, 1, 1", "strictly increasing");
  BAD("times", "0, 2, 1", "strictly increasing");
  BAD("times", "-1, 2", ">= 0");
  BAD("times", "0, inf", "not finite");
  BAD("times", "0, nan", "not finite");
  BAD("times", "0, 1,", "output time 3: not a number");
  BAD("times", "0; 1", "expected a comma");
  {
    char many[2048] = "0";
    for (int k = 1; k <= HD_GRID_LIST_MAX; k++) snprintf(many + strlen(many), 16, ", %d", k);
    BAD("times", many, "at most 64 output times");
  }
  GOOD("tol", "auto");
  CHECK(isnan(p.tol), "tol = auto is stored as NaN");
  GOOD("tol", "1e-12");
  CHECK(p.tol == 1e-12, "tol = 1e-12");
  BAD("tol", "0", "(0, 1]");
  BAD("tol", "automatic", "expected auto or a real number");
  BAD("times", "log(1, 2)", "expected auto, log(a, b, n)");
  BAD("times", "log(1, 2, 3) x", "expected auto");
  BAD("times", "log(1, 2, 3.5)", "expected auto");
  BAD("times", "log(nan, 2, 3)", "expected auto");
  BAD("times", "log(1, inf, 3)", "expected auto");
  BAD("times", "lin(0, 1, 2)", "expected auto");
  BAD("times", "Auto", "expected auto");
  BAD("times", "", "expected auto");
  BAD("times", "log(1, 2, 99999999999999999999)", "expected auto");
}

/* Same stored value, compared field by field (struct padding may differ). */
static bool same_value(const struct hd_param *r, const struct tparams *a, const struct tparams *b)
{
  const char *pa = (const char *)a + r->offset, *pb = (const char *)b + r->offset;
  switch (r->type) {
  case HD_INT: return *(const long *)(const void *)pa == *(const long *)(const void *)pb;
  case HD_REAL: return memcmp(pa, pb, sizeof(double)) == 0; /* bitwise: -0 and 0 differ */
  case HD_BOOL: return *(const bool *)(const void *)pa == *(const bool *)(const void *)pb;
  case HD_ENUM: return *(const int *)(const void *)pa == *(const int *)(const void *)pb;
  case HD_STRING:
  case HD_ARRAY:
  case HD_PATH: return strcmp(pa, pb) == 0;
  case HD_GRID: {
    const struct hd_grid *ga = (const void *)pa, *gb = (const void *)pb;
    return ga->kind == gb->kind && memcmp(&ga->a, &gb->a, sizeof(double)) == 0 &&
           memcmp(&ga->b, &gb->b, sizeof(double)) == 0 && ga->n == gb->n &&
           (ga->kind != HD_GRID_LIST ||
            memcmp(ga->list, gb->list, (size_t)ga->n * sizeof(double)) == 0);
  }
  case HD_REAL_LIST:
  case HD_INT_LIST:
  case HD_PATH_LIST: return false; /* lists: test_lists */
  }
  return false;
}

/* Every type: parse → format → parse gives the same bits and the same text. */
static void test_round_trip(void)
{
  static const struct {
    const char *key, *text;
  } cases[] = {
      {"n", "17"},
      {"big", "-9223372036854775808"},
      {"big", "9223372036854775807"},
      {"x", "0.1"},
      {"x", "1.9999999999999998"},
      {"y", "-1e-300"},
      {"y", "0x1.8p+1"},
      {"y", "4.9406564584124654e-324"},
      {"lr", "0.3333333333333333"},
      {"flag", "true"},
      {"flag", "false"},
      {"mode", "zero_one"},
      {"name", "hello world"},
      {"name", ""},
      {"file", "a/b.txt"},
      {"times", "auto"},
      {"times", "log(0.01, 2, 20)"},
      {"times", "linear(0, 0.3, 7)"},
      {"times", "0, 1e-300, 0.1, 0.30000000000000004, 7"},
      {"tol", "auto"},
      {"tol", "0.1"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const struct hd_param *r = row(cases[i].key);
    struct tparams a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    char msg[512], t1[512], t2[512];
    int rc = hd_param_parse(r, cases[i].text, &a, msg, sizeof msg);
    CHECK(rc == 0, "%s = %s: %s", cases[i].key, cases[i].text, msg);
    hd_param_format(r, &a, t1, sizeof t1);
    rc = hd_param_parse(r, t1, &b, msg, sizeof msg);
    CHECK(rc == 0, "formatted %s = \"%s\" does not parse: %s", cases[i].key, t1, msg);
    hd_param_format(r, &b, t2, sizeof t2);
    CHECK(same_value(r, &a, &b), "%s: \"%s\" → \"%s\" changed the value", cases[i].key,
          cases[i].text, t1);
    CHECK(strcmp(t1, t2) == 0, "%s: \"%s\" vs \"%s\"", cases[i].key, t1, t2);
  }
  /* Exact formats promised by params.h. */
  struct tparams p;
  memset(&p, 0, sizeof p);
  char buf[128];
  p.x = 0.1;
  hd_param_format(row("x"), &p, buf, sizeof buf);
  CHECK(strcmp(buf, "0.10000000000000001") == 0, "%%.17g: %s", buf);
  p.times = (struct hd_grid){.kind = HD_GRID_LOG, .a = 0.5, .b = 2, .n = 20};
  hd_param_format(row("times"), &p, buf, sizeof buf);
  CHECK(strcmp(buf, "log(0.5, 2, 20)") == 0, "grid: %s", buf);
  p.times = (struct hd_grid){.kind = HD_GRID_LINEAR, .a = 0, .b = 10, .n = 3};
  hd_param_format(row("times"), &p, buf, sizeof buf);
  CHECK(strcmp(buf, "linear(0, 10, 3)") == 0, "grid: %s", buf);
  p.times = (struct hd_grid){.kind = HD_GRID_LIST, .a = 0, .b = 4, .n = 3, .list = {0, 0.1, 4}};
  hd_param_format(row("times"), &p, buf, sizeof buf);
  CHECK(strcmp(buf, "0, 0.1, 4") == 0, "list of times, shortest round trip: %s", buf);
  p.tol = NAN;
  hd_param_format(row("tol"), &p, buf, sizeof buf);
  CHECK(strcmp(buf, "auto") == 0, "auto real: %s", buf);
  p.mode = 1;
  hd_param_format(row("mode"), &p, buf, sizeof buf);
  CHECK(strcmp(buf, "zero_one") == 0, "enum: %s", buf);
}

static void test_range_and_names(void)
{
  char buf[256];
  hd_param_range(row("x"), buf, sizeof buf);
  CHECK(strcmp(buf, "(0, 2)") == 0, "x range %s", buf);
  hd_param_range(row("n"), buf, sizeof buf);
  CHECK(strcmp(buf, "[1, 1000]") == 0, "n range %s", buf);
  hd_param_range(row("lr"), buf, sizeof buf);
  CHECK(strcmp(buf, "(0, inf)") == 0, "lr range %s", buf);
  hd_param_range(row("y"), buf, sizeof buf);
  CHECK(strcmp(buf, "(-inf, inf)") == 0, "y range %s", buf);
  hd_param_range(row("mode"), buf, sizeof buf);
  CHECK(strcmp(buf, "isotropic | zero_one | power_law") == 0, "mode range %s", buf);
  hd_param_range(row("flag"), buf, sizeof buf);
  CHECK(strcmp(buf, "true | false") == 0, "flag range %s", buf);
  hd_param_range(row("name"), buf, sizeof buf);
  CHECK(buf[0] == '\0', "string range empty");
  char small[8];
  hd_param_range(row("mode"), small, sizeof small); /* truncation stays terminated */
  CHECK(strlen(small) < sizeof small, "truncated range");

  CHECK(strcmp(hd_type_name(HD_INT), "int") == 0, "int");
  CHECK(strcmp(hd_type_name(HD_REAL), "real") == 0, "real");
  CHECK(strcmp(hd_type_name(HD_BOOL), "bool") == 0, "bool");
  CHECK(strcmp(hd_type_name(HD_ENUM), "enum") == 0, "enum");
  CHECK(strcmp(hd_type_name(HD_STRING), "string") == 0, "string");
  CHECK(strcmp(hd_type_name(HD_PATH), "path") == 0, "path");
  CHECK(strcmp(hd_type_name(HD_GRID), "grid") == 0, "grid");
}

static void test_describe(void)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  CHECK(f != NULL, "open_memstream");
  if (!f) return;
  hd_params_describe(table, table_n, f);
  fclose(f);
  CHECK(strstr(text, "[opt] lr  (real, required)  (0, inf)  unit: 1/t\n    required\n"
                     "    theory: LS-3\n") != NULL,
        "lr block:\n%s", text);
  CHECK(strstr(text, "[data] x  (real, default 0.5)  (0, 2)\n    in (0, 2)\n") != NULL, "x block");
  CHECK(strstr(text, "[data] file  (path, default \"\")\n") != NULL, "file block");
  CHECK(strstr(text, "[data] mode  (enum, default isotropic)  isotropic | zero_one | "
                     "power_law\n") != NULL,
        "mode block");
  /* Grouped by section: all [data] rows before the first [opt] row. */
  const char *last_data = strstr(text, "[data] file"), *first_opt = strstr(text, "[opt]");
  CHECK(last_data && first_opt && last_data < first_opt, "grouped");
  free(text);
}

/* ---------------------------------------------------------------- tests: lists */

struct lparams {
  struct hd_real_list orders;
  struct hd_int_list counts;
  struct hd_path_list files;
};

#define L(field) offsetof(struct lparams, field)
static const struct hd_param list_table[] = {
    {"privacy", "orders", HD_REAL_LIST, L(orders), "2", 1, 0, HD_NO_MAX, NULL, "", "reals >= 1",
     "NS-9"},
    {"data", "counts", HD_INT_LIST, L(counts), "", 0, 10, HD_MIN_EXCL, NULL, "", "ints in (0, 10]",
     NULL},
    {"data", "files", HD_PATH_LIST, L(files), "", 0, 0, 0, NULL, "", "paths", NULL},
};
static const size_t list_n = sizeof list_table / sizeof list_table[0];

static int lparse(size_t r, const char *text, struct lparams *q, char *msg)
{
  msg[0] = '\0';
  return hd_param_parse(&list_table[r], text, q, msg, 512);
}

#define LBAD(r, text, sub)                                                                         \
  do {                                                                                             \
    char m_[512];                                                                                  \
    int rc_ = lparse(r, text, &q, m_);                                                             \
    CHECK(rc_ < 0 && strstr(m_, sub), "list \"%s\": rc %d, message \"%s\", wanted \"%s\"", text,   \
          rc_, m_, sub);                                                                           \
  } while (0)

static void test_list_parse(void)
{
  struct lparams q;
  memset(&q, 0, sizeof q);
  char m[512];
  CHECK(lparse(0, "1, 2,4.5 ", &q, m) == 0, "orders: %s", m);
  CHECK(q.orders.n == 3 && q.orders.v[0] == 1 && q.orders.v[1] == 2 && q.orders.v[2] == 4.5,
        "orders n = %zu", q.orders.n);
  CHECK(lparse(0, "  3 ", &q, m) == 0 && q.orders.n == 1 && q.orders.v[0] == 3, "one value");
  CHECK(lparse(0, "", &q, m) == 0 && q.orders.n == 0, "empty text: the empty list");
  CHECK(lparse(0, "  ", &q, m) == 0 && q.orders.n == 0, "blank text: the empty list");
  /* a one-value list reports like the scalar type; longer lists name the position */
  LBAD(0, "0.5", "value 0.5 out of range [1, inf)");
  LBAD(0, "2, 0.5", "value 2 of \"2, 0.5\": value 0.5 out of range [1, inf)");
  LBAD(0, "2, x", "value 2 of \"2, x\": expected a real number, got \"x\"");
  LBAD(0, "2, inf", "expected a finite real number");
  LBAD(0, "2 3", "expected a real number, got \"2 3\"");
  LBAD(0, "1,,2", "value 2 of \"1,,2\" is empty");
  LBAD(0, "1, 2,", "value 3 of \"1, 2,\" is empty");
  LBAD(0, ",", "value 1 of \",\" is empty");
  /* a failed parse leaves the destination as it was */
  CHECK(lparse(0, "5, 6", &q, m) == 0, "5, 6");
  LBAD(0, "7, 0", "out of range");
  CHECK(q.orders.n == 2 && q.orders.v[0] == 5 && q.orders.v[1] == 6, "unchanged after a failure");
  /* the stated capacity: HD_LIST_MAX values pass, one more is refused */
  char many[HD_LIST_MAX * 4 + 8] = "";
  for (int k = 0; k < HD_LIST_MAX; k++) strcat(many, k ? ",1" : "1");
  CHECK(lparse(0, many, &q, m) == 0 && q.orders.n == HD_LIST_MAX, "%d values: %s", HD_LIST_MAX, m);
  strcat(many, ",1");
  char want[64];
  snprintf(want, sizeof want, "%d values, at most %d", HD_LIST_MAX + 1, HD_LIST_MAX);
  LBAD(0, many, want);

  CHECK(lparse(1, "1, 10", &q, m) == 0 && q.counts.n == 2 && q.counts.v[1] == 10, "counts: %s", m);
  LBAD(1, "0", "value 0 out of range (0, 10]");
  LBAD(1, "3, 11", "value 2 of \"3, 11\": value 11 out of range (0, 10]");
  LBAD(1, "1, 2.5", "expected an integer, got \"2.5\"");
  LBAD(1, "1, 99999999999999999999", "does not fit");

  CHECK(lparse(2, "a.txt, dir/b c.h5", &q, m) == 0 && q.files.n == 2 &&
            strcmp(q.files.v[0], "a.txt") == 0 && strcmp(q.files.v[1], "dir/b c.h5") == 0,
        "files: %s", m);
  char longpath[HD_STR_MAX + 8];
  memset(longpath, 'x', HD_STR_MAX);
  longpath[HD_STR_MAX] = '\0';
  LBAD(2, longpath, "longer than 255 characters");
}

static void test_list_round_trip_and_describe(void)
{
  static const struct {
    size_t row;
    const char *text, *formatted;
  } cases[] = {
      {0, "1.1, 1e300, 3", "1.1, 1e+300, 3"},
      {0, "1.0000000000000002,2", "1.0000000000000002, 2"},
      {0, "", ""},
      {1, "1,2 , 10", "1, 2, 10"},
      {2, " a.txt ,b.h5", "a.txt, b.h5"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const struct hd_param *r = &list_table[cases[i].row];
    struct lparams a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    char m[512], t1[1024], t2[1024];
    CHECK(hd_param_parse(r, cases[i].text, &a, m, sizeof m) == 0, "%s: %s", cases[i].text, m);
    hd_param_format(r, &a, t1, sizeof t1);
    CHECK(strcmp(t1, cases[i].formatted) == 0, "\"%s\" formatted \"%s\"", cases[i].text, t1);
    CHECK(hd_param_parse(r, t1, &b, m, sizeof m) == 0, "\"%s\" reparsed: %s", t1, m);
    hd_param_format(r, &b, t2, sizeof t2);
    CHECK(strcmp(t1, t2) == 0 && memcmp(&a, &b, sizeof a) == 0, "round trip of \"%s\"", t1);
  }
  char buf[128];
  hd_param_range(&list_table[0], buf, sizeof buf);
  CHECK(strcmp(buf, "[1, inf) each, at most 64 values") == 0, "orders range %s", buf);
  hd_param_range(&list_table[2], buf, sizeof buf);
  CHECK(strcmp(buf, "at most 64 values") == 0, "files range %s", buf);
  CHECK(strcmp(hd_type_name(HD_REAL_LIST), "real list") == 0, "real list");
  CHECK(strcmp(hd_type_name(HD_INT_LIST), "int list") == 0, "int list");
  CHECK(strcmp(hd_type_name(HD_PATH_LIST), "path list") == 0, "path list");

  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  CHECK(f != NULL, "open_memstream");
  if (!f) return;
  hd_params_describe(list_table, list_n, f);
  fclose(f);
  CHECK(strstr(text, "[privacy] orders  (real list, default 2)  [1, inf) each, at most 64 "
                     "values\n    reals >= 1\n    theory: NS-9\n") != NULL,
        "orders block:\n%s", text);
  CHECK(strstr(text, "[data] files  (path list, default \"\")  at most 64 values\n") != NULL,
        "files block:\n%s", text);
  free(text);

  /* through a model file: defaults, values, and an error naming file, line and key */
  struct hd_errors e;
  hd_errors_init(&e);
  struct lparams q;
  memset(&q, 0, sizeof q);
  struct hd_config *cfg = hd_config_load_string("l.ini", "[data]\ncounts = 4, 5\n", &e);
  if (cfg) hd_config_bind(cfg, list_table, list_n, &q, &e);
  CHECK(e.count == 0, "list model: %zu errors", e.count);
  CHECK(q.orders.n == 1 && q.orders.v[0] == 2, "orders default");
  CHECK(q.counts.n == 2 && q.counts.v[0] == 4 && q.counts.v[1] == 5, "counts from the file");
  CHECK(q.files.n == 0, "files default: empty");
  hd_config_free(cfg);
  cfg = hd_config_load_string("l.ini", "[privacy]\n\norders = 1, 0.5\n", &e);
  if (cfg) hd_config_bind(cfg, list_table, list_n, &q, &e);
  CHECK_COUNT(&e, 1);
  CHECK_MSG(&e, "l.ini:3: [privacy] orders: value 2 of \"1, 0.5\": value 0.5 out of range");
  hd_config_free(cfg);
  hd_errors_free(&e);
}

/* ---------------------------------------------------------------- tests: config */

static const char *valid_model = "; a valid model\n"                  /* 1 */
                                 "[data]\n"                           /* 2 */
                                 "n = 200\n"                          /* 3 */
                                 "x = 1.25          ; inline\n"       /* 4 */
                                 "mode = zero_one   # hash comment\n" /* 5 */
                                 "file = spec.txt\n"                  /* 6 */
                                 "\n"                                 /* 7 */
                                 "[opt]\n"                            /* 8 */
                                 "lr = 0.5\n"                         /* 9 */
                                 "flag = true\n"                      /* 10 */
                                 "[out]\n"                            /* 11 */
                                 "name = a#b;c\n" /* 12: not comments, no blank before */
                                 "times = log(0.01, 2, 20)\n"; /* 13 */

static void test_valid(void)
{
  struct hd_errors e;
  hd_errors_init(&e);
  struct tparams p;
  memset(&p, 0xAB, sizeof p);
  struct hd_config *cfg = pipeline(valid_model, &p, &e);
  CHECK(cfg != NULL, "loaded");
  CHECK_COUNT(&e, 0);
  CHECK(p.n == 200 && p.x == 1.25 && p.mode == 1 && p.lr == 0.5 && p.flag, "values");
  CHECK(strcmp(p.file, "spec.txt") == 0, "file %s", p.file);
  CHECK(strcmp(p.name, "a#b;c") == 0, "name %s", p.name);
  CHECK(p.times.kind == HD_GRID_LOG && p.times.n == 20, "times");
  CHECK(p.big == 0 && p.y == 0.0, "defaults applied");
  CHECK(strcmp(cfg->text, valid_model) == 0, "verbatim text kept");
  CHECK(hd_config_line(cfg, "opt", "lr") == 9, "line of lr %d", hd_config_line(cfg, "opt", "lr"));
  CHECK(hd_config_line(cfg, "out", "times") == 13, "line of times");
  CHECK(hd_config_line(cfg, "opt", "y") == 0, "defaulted key has no line");
  CHECK(hd_config_has(cfg, "data", "x") && !hd_config_has(cfg, "data", "big"), "has");
  CHECK(!hd_config_has(cfg, "Data", "x"), "sections are case-sensitive");
  CHECK(cfg->n_sections == 3 && cfg->section_lines[1] == 8, "sections");
  CHECK(strcmp(cfg->dir, ".") == 0, "dir %s", cfg->dir);

  /* Cross-field errors: the key's line, else its section's line. */
  hd_config_error(cfg, &e, "data", "x", "x too big for n = %ld", p.n);
  hd_config_error(cfg, &e, "data", "big", "needs big");
  hd_config_error(cfg, &e, "nowhere", "k", "no line");
  CHECK_MSG(&e, "t.ini:4: [data] x: x too big for n = 200");
  CHECK_MSG(&e, "t.ini:2: [data] big: needs big");
  CHECK_MSG(&e, "t.ini: [nowhere] k: no line");

  char out[64];
  CHECK(hd_config_resolve_path(cfg, "spec.txt", out, sizeof out) == 0 &&
            strcmp(out, "spec.txt") == 0,
        "resolve in . : %s", out);
  hd_config_free(cfg);
  hd_errors_free(&e);

  hd_errors_init(&e);
  cfg = hd_config_load_string("models/sub/m.ini", "", &e);
  CHECK(hd_config_resolve_path(cfg, "spec.txt", out, sizeof out) == 0 &&
            strcmp(out, "models/sub/spec.txt") == 0,
        "relative: %s", out);
  CHECK(hd_config_resolve_path(cfg, "/abs/spec.txt", out, sizeof out) == 0 &&
            strcmp(out, "/abs/spec.txt") == 0,
        "absolute: %s", out);
  CHECK(hd_config_resolve_path(cfg, "spec.txt", out, 8) == -1, "too long");
  hd_config_free(cfg);
  cfg = hd_config_load_string("/m.ini", "", &e);
  CHECK(hd_config_resolve_path(cfg, "s.txt", out, sizeof out) == 0 && strcmp(out, "/s.txt") == 0,
        "root dir: %s", out);
  hd_config_free(cfg);
  CHECK_COUNT(&e, 0);
  hd_errors_free(&e);
}

/* Runs the pipeline on text and checks the error count and messages (NULL-ended). */
static void expect(const char *what, const char *text, size_t count, const char *const *subs)
{
  struct hd_errors e;
  hd_errors_init(&e);
  struct tparams p;
  memset(&p, 0, sizeof p);
  struct hd_config *cfg = pipeline(text, &p, &e);
  CHECK(cfg != NULL, "%s: loaded", what);
  bool ok = e.count == count;
  for (size_t i = 0; subs[i]; i++) ok = ok && (subs[i][0] == '\0' || has_msg(&e, subs[i]));
  CHECK(ok, "%s: wanted %zu errors", what, count);
  if (!ok) {
    for (size_t i = 0; subs[i]; i++) fprintf(stderr, "    want: %s\n", subs[i]);
    dump(&e);
  }
  hd_config_free(cfg);
  hd_errors_free(&e);
}

#define EXPECT(what, text, count, ...)                                                             \
  expect(what, text, count, (const char *const[]){__VA_ARGS__, NULL})

static char *long_line_model(size_t width, bool comment_line)
{
  /* line 1 [data], line 2 the long line, line 3 a bad key after it, line 4 [opt] lr */
  char *s = malloc(width + 256);
  strcpy(s, "[data]\n");
  size_t at = strlen(s);
  const char *head = comment_line ? "; " : "y = 0.";
  strcpy(s + at, head);
  at += strlen(head);
  size_t fill = width - strlen(head);
  memset(s + at, comment_line ? 'c' : '1', fill);
  at += fill;
  strcpy(s + at, "\nx = 5\n[opt]\nlr = 1\n");
  return s;
}

static void test_syntax(void)
{
  /* A 250-character line: one error at its real line, none for phantom lines, and the
   * key after it keeps its real line number. */
  char *m = long_line_model(250, false);
  {
    /* y is in [opt] in the table, so here it is also an unknown key at line 2 — */
    EXPECT("long value line", m, 3, "t.ini:2: line longer than 199 characters",
           "t.ini:3: [data] x: value 5 out of range (0, 2)",
           "t.ini:2: [data] y: unknown key; did you mean '[opt] y'?");
  }
  free(m);
  m = long_line_model(250, true);
  EXPECT("long comment line", m, 2, "t.ini:2: line longer than 199 characters",
         "t.ini:3: [data] x: value 5 out of range");
  free(m);
  m = long_line_model(199, true); /* exactly at the limit: fine */
  EXPECT("199-character line", m, 1, "t.ini:3: [data] x: value 5");
  free(m);
  m = long_line_model(200, true);
  EXPECT("200-character line", m, 2, "t.ini:2: line longer than 199 characters (200)",
         "t.ini:3: [data] x:");
  free(m);
  /* An over-long required key is reported once (as long), not also as missing. */
  {
    char buf[400] = "[opt]\nlr = 0.";
    memset(buf + strlen(buf), '5', 260);
    strcat(buf, "\n");
    EXPECT("long required key", buf, 1, "t.ini:2: line longer than 199 characters");
  }

  EXPECT("duplicate key", "[data]\nn = 3\nx = 1\nn = 4\n[opt]\nlr = 1\n", 1,
         "t.ini:4: [data] n: duplicate key (first set at line 2)");
  EXPECT("continuation line", "[data]\nx = 0.5\n   0.7\n[opt]\nlr = 1\n", 1,
         "t.ini:3: [data] x: duplicate key (first set at line 2)");
  EXPECT("indented key after a key is a continuation", "[data]\nn = 5\n  x = 0.5\n[opt]\nlr = 1\n",
         1, "t.ini:3: [data] n: duplicate key (first set at line 2)");
  EXPECT("indented key after a header is a key", "[data]\n  x = 0.5\n[opt]\nlr = 1\n", 0, "");
  EXPECT("indented header", "[data]\nx = 0.5\n  [opt]\nlr = 1\n", 0, "");
  EXPECT("reopened section", "[data]\nn = 5\n[opt]\nlr = 1\n[data]\nn = 6\n", 1,
         "t.ini:6: [data] n: duplicate key (first set at line 2)");

  {
    struct hd_errors e;
    hd_errors_init(&e);
    struct tparams p;
    struct hd_config *cfg = pipeline(
        "[data]\nx = 0.25 # note\nn = 7 ; note\nmode = power_law#x\n[opt]\nlr = 2\t; c\n"
        "[out]\nname = #all comment\n",
        &p, &e);
    CHECK_MSG(&e, "t.ini:4: [data] mode: expected one of: isotropic | zero_one | power_law; "
                  "got \"power_law#x\"");
    CHECK_MSG(&e, "t.ini:8: [out] name: empty value");
    CHECK_COUNT(&e, 2);
    CHECK(p.x == 0.25 && p.n == 7 && p.lr == 2, "inline comments stripped");
    CHECK(strcmp(p.name, "run") == 0, "empty value left the default: %s", p.name);
    hd_config_free(cfg);
    hd_errors_free(&e);
  }

  EXPECT("unknown key with suggestion", "[data]\nn = 3\n[opt]\nlr = 1\nlr_rate = 2\n", 1,
         "t.ini:5: [opt] lr_rate: unknown key; did you mean 'lr'?");
  EXPECT("typo", "[opt]\nlr = 1\n[out]\ntims = auto\n", 1,
         "t.ini:4: [out] tims: unknown key; did you mean 'times'?");
  EXPECT("case", "[opt]\nlr = 1\nFLAG = true\n", 1,
         "t.ini:3: [opt] FLAG: unknown key; did you mean 'flag'?");
  EXPECT("key in the wrong section", "[data]\nlr = 1\n[opt]\nlr = 1\n", 1,
         "t.ini:2: [data] lr: unknown key; did you mean '[opt] lr'?");
  EXPECT("near miss in another section", "[data]\ntimes2 = 1\n[opt]\nlr = 1\n", 1,
         "t.ini:2: [data] times2: unknown key; did you mean '[out] times'?");
  EXPECT("no suggestion", "[opt]\nlr = 1\nzzzzzz = 1\nq = 1\n", 2,
         "t.ini:3: [opt] zzzzzz: unknown key", "t.ini:4: [opt] q: unknown key");
  {
    struct hd_errors e;
    hd_errors_init(&e);
    struct tparams p;
    struct hd_config *cfg = pipeline("[opt]\nlr = 1\nzzzzzz = 1\n", &p, &e);
    CHECK(e.count == 1 && strstr(e.msg[0], "did you mean") == NULL, "no suggestion text");
    hd_config_free(cfg);
    hd_errors_free(&e);
  }

  EXPECT("unknown section, reported once", "[opt]\nlr = 1\n[plot]\na = 1\nb = 2\n[plot]\nc = 3\n",
         1, "t.ini:3: unknown section [plot]");
  EXPECT("unknown section suggestion", "[opt]\nlr = 1\n[dta]\nn = 1\n", 1,
         "t.ini:3: unknown section [dta]; did you mean [data]?");
  EXPECT("empty unknown section", "[opt]\nlr = 1\n[empty]\n", 1,
         "t.ini:3: unknown section [empty]");

  EXPECT("key outside any section", "n = 5\n[opt]\nlr = 1\n", 1,
         "t.ini:1: n: key outside any section");
  EXPECT("empty value", "[opt]\nlr =\n", 1, "t.ini:2: [opt] lr: empty value");
  EXPECT("empty value with comment", "[opt]\nlr = ; nothing\n", 1,
         "t.ini:2: [opt] lr: empty value");
  EXPECT("required key missing, section present", "[data]\nn = 5\n[opt]\nflag = true\n", 1,
         "t.ini:3: [opt] lr: required key missing");
  EXPECT("required key missing, no section", "[data]\nn = 5\n", 1,
         "t.ini: [opt] lr: required key missing");
  EXPECT("no '='", "[opt]\nlr = 1\ngarbage\n", 1,
         "t.ini:3: expected 'key = value', a [section] header or a comment");
  EXPECT("missing ']'", "[opt]\nlr = 1\n[data\nn = 5\nzz = 1\n", 1,
         "t.ini:3: missing ']' in section header");
  EXPECT("text after ']'", "[opt] x\nlr = 1\n", 1, "t.ini:1: unexpected text after ']'");
  EXPECT("empty section name", "[opt]\nlr = 1\n[ ]\nn = 1\n", 1, "t.ini:3: empty section name");
  EXPECT("missing key name", "[opt]\nlr = 1\n= 4\n", 1, "t.ini:3: [opt]: missing key name");
  EXPECT("nan in file", "[opt]\nlr = nan\n", 1, "t.ini:2: [opt] lr: expected a finite real");
  EXPECT("inf in file", "[opt]\nlr = inf\n", 1, "t.ini:2: [opt] lr: expected a finite real");
  EXPECT("int overflow in file", "[opt]\nlr = 1\n[data]\nbig = 9223372036854775808\n", 1,
         "t.ini:4: [data] big: integer \"9223372036854775808\" does not fit");
  EXPECT("trailing garbage", "[opt]\nlr = 1\n[data]\nn = 100 abc\n", 1,
         "t.ini:4: [data] n: expected an integer, got \"100 abc\"");
  EXPECT("bad grid", "[opt]\nlr = 1\n[out]\ntimes = log(0, 10, 5)\n", 1,
         "t.ini:4: [out] times: log grid needs 0 < a < b");
  EXPECT("every error at once", "n = 1\n[opt]\nlr = 0\nflag = yes\n[data]\nx = nan\nn = 1\nn = 2\n",
         5, "t.ini:1: n: key outside", "t.ini:3: [opt] lr: value 0 out of range (0, inf)",
         "t.ini:4: [opt] flag: expected true or false", "t.ini:6: [data] x: expected a finite",
         "t.ini:8: [data] n: duplicate key (first set at line 7)");
  EXPECT("CRLF and BOM", "\xEF\xBB\xBF[opt]\r\nlr = 0.5 ; c\r\n\r\n[data]\r\nn = 3\r\n", 0, "");
  EXPECT("no final newline", "[opt]\nlr = 1", 0, "");
  EXPECT("key:value", "[opt]\nlr: 1\n", 0, "");
  EXPECT("comments and blanks only, lr missing", "; c\n# c\n\n   \n", 1,
         "t.ini: [opt] lr: required key missing");
}

/* hd_config_load on real files: a missing file, a long line, a directory. */
static void test_files(void)
{
  struct hd_errors e;
  hd_errors_init(&e);
  struct hd_config *cfg = hd_config_load("/nonexistent/dir/nonexistent.ini", &e);
  CHECK(cfg == NULL, "missing file gives NULL");
  CHECK_MSG(&e, "/nonexistent/dir/nonexistent.ini: cannot open model file: No such file");
  hd_errors_free(&e);

  hd_errors_init(&e);
  cfg = hd_config_load("/tmp", &e);
  CHECK(cfg == NULL, "directory gives NULL");
  CHECK_MSG(&e, "/tmp: cannot");
  hd_errors_free(&e);

  char path[] = "/tmp/test_config_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0, "mkstemp");
  if (fd < 0) return;
  FILE *f = fdopen(fd, "w");
  fprintf(f, "[opt]\nlr = 0.5\n[data]\nmode = ");
  for (int i = 0; i < 300; i++) fputc('z', f);
  fprintf(f, "\nn = 0\n");
  fclose(f);
  hd_errors_init(&e);
  struct tparams p;
  cfg = hd_config_load(path, &e);
  CHECK(cfg != NULL, "loaded");
  if (cfg) {
    hd_config_bind(cfg, table, table_n, &p, &e);
    hd_config_check_unused(cfg, &e);
    char want[128];
    snprintf(want, sizeof want, "%s:4: line longer than 199 characters (307)", path);
    CHECK_MSG(&e, want);
    snprintf(want, sizeof want, "%s:5: [data] n: value 0 out of range [1, 1000]", path);
    CHECK_MSG(&e, want);
    CHECK_COUNT(&e, 2);
    CHECK(strcmp(cfg->dir, "/tmp") == 0, "dir %s", cfg->dir);
    hd_config_free(cfg);
  }
  hd_errors_free(&e);
  unlink(path);
}

int main(void)
{
  test_errors();
  test_parse_types();
  test_round_trip();
  test_range_and_names();
  test_describe();
  test_list_parse();
  test_list_round_trip_and_describe();
  test_valid();
  test_syntax();
  test_files();
  return check_finish();
}
