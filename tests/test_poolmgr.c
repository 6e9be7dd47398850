/* ctest-label: unit */
/* Pool manager: size classes, lazy pools, the global budget (its message
 * and the trimming that makes room), explicit trim, the report as a table
 * and as JSON, and refusal to destroy while blocks are out. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_poolmgr.h"

#define MIB ((size_t)1 << 20)

static sp_poolmgr *make_mgr(uint64_t budget, sp_pool_policy policy,
                            int64_t timeout_ms)
{
    sp_poolmgr_desc d = {.budget_bytes = budget,
                         .policy = policy,
                         .timeout_ms = timeout_ms,
                         .no_lock = 1};
    sp_poolmgr *mgr = NULL;
    assert_int_equal(sp_poolmgr_create(&d, &mgr), SP_OK);
    assert_non_null(mgr);
    return mgr;
}

static void test_class_sizes(void **state)
{
    (void)state;
    static const struct {
        size_t in, out;
    } cases[] = {
        {1, 4096},
        {4096, 4096},
        {4097, 8192},
        {8192, 8192},
        {12289, 16384},
        {16385, 20480},
        {20481, 24576},
        {32769, 40960},
        {MIB, MIB},
        {MIB + 1, MIB + MIB / 4},
        {3 * MIB, 3 * MIB},
        {7 * MIB + 1, 8 * MIB},
        {8 * MIB + 1, 10 * MIB},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(sp_poolmgr_class_size(cases[i].in), cases[i].out);
    /* The rule's promises over a sweep: fits, page multiple, monotonic,
     * waste under a quarter above 16 KiB. */
    size_t prev = 0;
    for (size_t s = 1; s < ((size_t)1 << 32); s = s * 9 / 8 + 1) {
        size_t c = sp_poolmgr_class_size(s);
        assert_true(c >= s);
        assert_int_equal(c % 4096, 0);
        assert_true(c >= prev);
        if (s > 16384)
            assert_true((double)(c - s) < 0.25 * (double)s);
        prev = c;
    }
    assert_int_equal(sp_poolmgr_class_size(SIZE_MAX), 0);
}

static void test_lazy_pools_and_reuse(void **state)
{
    (void)state;
    sp_poolmgr *mgr = make_mgr(0, SP_POOL_WAIT, 0);
    assert_int_equal(sp_poolmgr_budget(mgr), (uint64_t)1 << 30);
    assert_int_equal(sp_poolmgr_pool_count(mgr), 0);
    assert_int_equal(sp_poolmgr_reserved(mgr), 0);

    sp_block *a, *b, *c;
    assert_int_equal(sp_poolmgr_acquire(mgr, 100000, &a), SP_OK);
    assert_int_equal(sp_poolmgr_pool_count(mgr), 1);
    assert_true(sp_block_size(a) >= 100000);
    assert_int_equal(sp_block_size(a), sp_poolmgr_class_size(100000));
    /* Another size of the same class: same pool, no new one. */
    assert_int_equal(sp_poolmgr_acquire(mgr, 99000, &b), SP_OK);
    assert_ptr_equal(sp_block_pool(a), sp_block_pool(b));
    assert_int_equal(sp_poolmgr_pool_count(mgr), 1);
    assert_int_equal(sp_poolmgr_acquire(mgr, 10, &c), SP_OK);
    assert_int_equal(sp_poolmgr_pool_count(mgr), 2);
    assert_int_equal(sp_poolmgr_reserved(mgr),
                     2 * sp_block_size(a) + sp_block_size(c));

    void *addr = sp_block_data(b);
    sp_pool_release(b);
    sp_block *again;
    assert_int_equal(sp_poolmgr_acquire(mgr, 100000, &again), SP_OK);
    assert_ptr_equal(sp_block_data(again), addr);

    sp_pool_stats st;
    assert_int_equal(sp_poolmgr_stats_get(mgr, 0, &st), SP_OK);
    assert_int_equal(st.block_size, sp_poolmgr_class_size(100000));
    assert_int_equal(st.acquires, 3);
    assert_int_equal(st.reuses, 1);
    assert_int_equal(st.releases, 1);
    assert_int_equal(st.blocks, 2);
    assert_int_equal(sp_poolmgr_stats_get(mgr, 2, &st), SP_ERANGE);

    /* A pool the manager owns is destroyed only through the manager. */
    assert_int_equal(sp_pool_destroy(sp_block_pool(a)), SP_EINVAL);

    sp_block *z = (sp_block *)&z;
    assert_int_equal(sp_poolmgr_acquire(mgr, 0, &z), SP_EINVAL);
    assert_null(z);
    sp_pool_release(a);
    sp_pool_release(again);
    sp_pool_release(c);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
}

static void test_budget_message(void **state)
{
    (void)state;
    sp_poolmgr *mgr = make_mgr(64 * MIB, SP_POOL_WAIT, 50);
    sp_block *big[6];
    for (int i = 0; i < 6; i++)
        assert_int_equal(sp_poolmgr_acquire(mgr, 10 * MIB, &big[i]), SP_OK);
    assert_int_equal(sp_poolmgr_reserved(mgr), 60 * MIB);

    /* Under the budget still succeeds. */
    sp_block *small;
    assert_int_equal(sp_poolmgr_acquire(mgr, 2 * MIB, &small), SP_OK);
    assert_int_equal(sp_poolmgr_reserved(mgr), 62 * MIB);

    /* A class with nothing out cannot wait for anything: EBUDGET now. */
    sp_block *b = (sp_block *)&b;
    assert_int_equal(sp_poolmgr_acquire(mgr, 8 * MIB, &b), SP_EBUDGET);
    assert_null(b);
    const char *m = sp_errmsg();
    assert_non_null(strstr(m, "budget 64.0 MiB exceeded"));
    assert_non_null(strstr(m, "62.0 MiB reserved"));
    assert_non_null(strstr(m, "62.0 MiB in use"));
    assert_non_null(strstr(m, "8.0 MiB asked"));

    /* A request larger than the whole budget. */
    assert_int_equal(sp_poolmgr_acquire(mgr, 100 * MIB, &b), SP_EBUDGET);
    assert_non_null(strstr(sp_errmsg(), "100.0 MiB asked"));
    assert_int_equal(sp_poolmgr_acquire(mgr, SIZE_MAX, &b), SP_EBUDGET);

    /* The 10 MiB class has blocks out: it waits for one (50 ms), then
     * reports the budget as the reason. */
    assert_int_equal(sp_poolmgr_acquire(mgr, 10 * MIB, &b), SP_EBUDGET);
    assert_non_null(strstr(sp_errmsg(), "waited 50 ms"));
    assert_non_null(strstr(sp_errmsg(), "budget 64.0 MiB exceeded"));
    assert_int_equal(sp_poolmgr_reserved(mgr), 62 * MIB);

    /* Released memory is reused without charging the budget again. */
    sp_pool_release(big[0]);
    assert_int_equal(sp_poolmgr_acquire(mgr, 10 * MIB, &b), SP_OK);
    assert_int_equal(sp_poolmgr_reserved(mgr), 62 * MIB);
    sp_pool_release(b);
    for (int i = 1; i < 6; i++)
        sp_pool_release(big[i]);
    sp_pool_release(small);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
}

static void test_trim_makes_room(void **state)
{
    (void)state;
    sp_poolmgr *mgr = make_mgr(16 * MIB, SP_POOL_NOWAIT, 0);
    sp_block *b[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(sp_poolmgr_acquire(mgr, 4 * MIB, &b[i]), SP_OK);
    for (int i = 0; i < 3; i++)
        sp_pool_release(b[i]);
    assert_int_equal(sp_poolmgr_reserved(mgr), 12 * MIB);

    /* 12 MiB reserved but idle; 10 MiB more only fits once idle blocks of
     * the 4 MiB class are trimmed, which the manager does by itself: two
     * blocks (6 MiB short), not all three. */
    sp_block *big;
    assert_int_equal(sp_poolmgr_acquire(mgr, 10 * MIB, &big), SP_OK);
    assert_true(sp_poolmgr_reserved(mgr) <= 16 * MIB);
    sp_pool_stats st;
    assert_int_equal(sp_poolmgr_stats_get(mgr, 0, &st), SP_OK);
    assert_int_equal(st.block_size, 4 * MIB);
    assert_int_equal(st.trims, 2);
    assert_int_equal(st.blocks, 1);
    assert_int_equal(sp_poolmgr_reserved(mgr), 14 * MIB);

    char buf[4096];
    assert_true(sp_poolmgr_report(mgr, SP_REPORT_JSON, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "\"budget_trims\": 2,"));

    /* Explicit trim: every idle block goes, the budget gets it back. */
    sp_pool_release(big);
    int freed = sp_poolmgr_trim(mgr);
    assert_int_equal(freed, 2);
    assert_int_equal(sp_poolmgr_reserved(mgr), 0);
    assert_int_equal(sp_poolmgr_trim(mgr), 0);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
}

static void test_nowait_budget_refusal(void **state)
{
    (void)state;
    sp_poolmgr *mgr = make_mgr(8 * MIB, SP_POOL_NOWAIT, 0);
    sp_block *a, *b;
    assert_int_equal(sp_poolmgr_acquire(mgr, 4 * MIB, &a), SP_OK);
    assert_int_equal(sp_poolmgr_acquire(mgr, 4 * MIB, &b), SP_OK);
    /* Blocks of this class are out, but the policy is not to wait: the
     * budget is the reason, at once. */
    sp_block *c;
    assert_int_equal(sp_poolmgr_acquire(mgr, 4 * MIB, &c), SP_EBUDGET);
    assert_non_null(strstr(sp_errmsg(), "policy is not to wait"));
    assert_non_null(strstr(sp_errmsg(), "budget 8.0 MiB exceeded"));
    sp_pool_stats st;
    sp_poolmgr_stats_get(mgr, 0, &st);
    assert_int_equal(st.timeouts, 1);
    assert_int_equal(st.waits, 0);
    sp_pool_release(a);
    sp_pool_release(b);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
}

typedef struct churn {
    sp_poolmgr *mgr;
    unsigned seed;
    int errors;
    int refused;
} churn;

/* Random sizes over several classes under a tight budget, so charging,
 * trimming other classes and waiting all run concurrently. */
static void *churn_run(void *arg)
{
    churn *c = arg;
    sp_block *held[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 4000; i++) {
        c->seed = c->seed * 1103515245u + 12345u;
        int slot = (int)((c->seed >> 8) % 3);
        sp_pool_release(held[slot]);
        held[slot] = NULL;
        size_t size = (size_t)4096 << ((c->seed >> 16) % 6); /* 4..128 KiB */
        int rc = sp_poolmgr_acquire(c->mgr, size, &held[slot]);
        if (rc == SP_EBUDGET)
            c->refused++;
        else if (rc != SP_OK)
            c->errors++;
        else if (sp_block_size(held[slot]) < size)
            c->errors++;
        else
            memset(sp_block_data(held[slot]), 0xEE, 64);
    }
    for (int i = 0; i < 3; i++)
        sp_pool_release(held[i]);
    return NULL;
}

static void test_concurrent_budget(void **state)
{
    (void)state;
    /* 4 threads x 3 blocks of up to 128 KiB = 1.5 MiB wanted, 1 MiB
     * allowed. */
    sp_poolmgr *mgr = make_mgr(MIB, SP_POOL_WAIT, 20);
    enum { T = 4 };
    churn c[T];
    pthread_t t[T];
    for (int i = 0; i < T; i++) {
        c[i] = (churn){.mgr = mgr, .seed = 17u * (unsigned)i + 1};
        assert_int_equal(pthread_create(&t[i], NULL, churn_run, &c[i]), 0);
    }
    for (int i = 0; i < T; i++)
        pthread_join(t[i], NULL);
    uint64_t sum = 0, acq = 0, rel = 0, trims = 0;
    for (size_t i = 0; i < sp_poolmgr_pool_count(mgr); i++) {
        sp_pool_stats st;
        sp_poolmgr_stats_get(mgr, i, &st);
        assert_int_equal(st.in_use, 0);
        sum += st.bytes_reserved;
        acq += st.acquires;
        rel += st.releases;
        trims += st.trims;
    }
    for (int i = 0; i < T; i++)
        assert_int_equal(c[i].errors, 0);
    /* The budget's count matches the pools' own, and was never passed. */
    assert_int_equal(sp_poolmgr_reserved(mgr), sum);
    assert_true(sum <= MIB);
    assert_int_equal(acq, rel);
    print_message("%llu acquires, %llu blocks trimmed for room, %d+%d+%d+%d "
                  "refused\n",
                  (unsigned long long)acq, (unsigned long long)trims,
                  c[0].refused, c[1].refused, c[2].refused, c[3].refused);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
}

static void test_destroy_busy_refused(void **state)
{
    (void)state;
    sp_poolmgr *mgr = make_mgr(0, SP_POOL_WAIT, 0);
    sp_block *a, *b, *c;
    assert_int_equal(sp_poolmgr_acquire(mgr, 4096, &a), SP_OK);
    assert_int_equal(sp_poolmgr_acquire(mgr, 4096, &b), SP_OK);
    assert_int_equal(sp_poolmgr_acquire(mgr, MIB, &c), SP_OK);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_EBUSY);
    const char *m = sp_errmsg();
    assert_non_null(strstr(m, "3 blocks still out"));
    assert_non_null(strstr(m, "'class 4 KiB' 2"));
    assert_non_null(strstr(m, "'class 1 MiB' 1"));
    sp_pool_release(a);
    sp_pool_release(b);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_EBUSY);
    assert_non_null(strstr(sp_errmsg(), "1 blocks still out"));
    /* Still intact after the refusal. */
    sp_block *d;
    assert_int_equal(sp_poolmgr_acquire(mgr, 4096, &d), SP_OK);
    sp_pool_release(d);
    sp_pool_release(c);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
    assert_int_equal(sp_poolmgr_destroy(NULL), SP_OK);
}

/* A small JSON syntax checker: enough to say the report parses. */
typedef struct jp {
    const char *p;
} jp;

static void ws(jp *j)
{
    while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r')
        j->p++;
}

static int value(jp *j);

static int string(jp *j)
{
    if (*j->p != '"')
        return 0;
    for (j->p++; *j->p && *j->p != '"'; j->p++) {
        if ((unsigned char)*j->p < 0x20)
            return 0;
        if (*j->p == '\\') {
            j->p++;
            if (*j->p == 'u') {
                for (int i = 0; i < 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", *++j->p))
                        return 0;
            } else if (!strchr("\"\\/bfnrt", *j->p) || !*j->p) {
                return 0;
            }
        }
    }
    if (*j->p != '"')
        return 0;
    j->p++;
    return 1;
}

static int number(jp *j)
{
    char *end;
    strtod(j->p, &end);
    if (end == j->p || !strchr("-0123456789", *j->p))
        return 0;
    j->p = end;
    return 1;
}

static int composite(jp *j, char close, int object)
{
    j->p++;
    ws(j);
    if (*j->p == close) {
        j->p++;
        return 1;
    }
    for (;;) {
        ws(j);
        if (object) {
            if (!string(j))
                return 0;
            ws(j);
            if (*j->p++ != ':')
                return 0;
        }
        if (!value(j))
            return 0;
        ws(j);
        if (*j->p == ',') {
            j->p++;
            continue;
        }
        if (*j->p != close)
            return 0;
        j->p++;
        return 1;
    }
}

static int value(jp *j)
{
    ws(j);
    switch (*j->p) {
    case '{':
        return composite(j, '}', 1);
    case '[':
        return composite(j, ']', 0);
    case '"':
        return string(j);
    case 't':
        return strncmp(j->p, "true", 4) == 0 ? (j->p += 4, 1) : 0;
    case 'f':
        return strncmp(j->p, "false", 5) == 0 ? (j->p += 5, 1) : 0;
    case 'n':
        return strncmp(j->p, "null", 4) == 0 ? (j->p += 4, 1) : 0;
    default:
        return number(j);
    }
}

static int json_valid(const char *s)
{
    jp j = {s};
    if (!value(&j))
        return 0;
    ws(&j);
    return *j.p == '\0';
}

/* The number after "key": in s, or -1. */
static long long json_num(const char *s, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *at = strstr(s, pat);
    return at ? strtoll(at + strlen(pat), NULL, 10) : -1;
}

static void test_json_checker_rejects(void **state)
{
    (void)state;
    assert_true(json_valid("{\"a\": [1, 2.5, \"x\\\"y\", true, null]}"));
    assert_false(json_valid("{\"a\": [1, 2,]}"));
    assert_false(json_valid("{\"a\" 1}"));
    assert_false(json_valid("{\"a\": 1"));
    assert_false(json_valid("{\"a\": \"b\nc\"}"));
}

static void test_report_table_and_json(void **state)
{
    (void)state;
    sp_poolmgr *mgr = make_mgr(32 * MIB, SP_POOL_WAIT, 0);
    sp_block *a, *b;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(sp_poolmgr_acquire(mgr, 3000, &a), SP_OK);
        sp_pool_release(a);
    }
    assert_int_equal(sp_poolmgr_acquire(mgr, 2 * MIB, &b), SP_OK);

    /* Size query, then a truncated write, then the real one. */
    int need = sp_poolmgr_report(mgr, SP_REPORT_TABLE, NULL, 0);
    assert_true(need > 0);
    char small[16];
    assert_int_equal(
        sp_poolmgr_report(mgr, SP_REPORT_TABLE, small, sizeof small), need);
    assert_int_equal(strlen(small), sizeof small - 1);
    char *buf = malloc((size_t)need + 1);
    assert_non_null(buf);
    assert_int_equal(
        sp_poolmgr_report(mgr, SP_REPORT_TABLE, buf, (size_t)need + 1), need);
    assert_int_equal(strlen(buf), need);

    /* Header, one row per pool, and a totals line. */
    const char *cols[] = {"pool",     "block",    "blocks", "in use",  "high",
                          "acquires", "releases", "waits",  "wait ms", "reuse%",
                          "MiB res",  "MiB lock", "locked", "NUMA"};
    char *nl = strchr(buf, '\n');
    assert_non_null(nl);
    *nl = '\0';
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        assert_non_null(strstr(buf, cols[i]));
    /* Column anchors: where NUMA starts and where "MiB lock" ends. */
    size_t numa_at = (size_t)(strstr(buf, "NUMA") - buf);
    size_t lock_end = (size_t)(strstr(buf, "MiB lock") - buf) + 8;
    *nl = '\n';
    char *row1 = nl + 1, *row2 = strchr(row1, '\n') + 1;
    char *total = strchr(row2, '\n') + 1;
    assert_int_equal(strncmp(row1, "class 4 KiB", 11), 0);
    assert_int_equal(strncmp(row2, "class 2 MiB", 11), 0);
    /* Aligned: every pool row has its columns under the header's. */
    for (char *r = row1; r != total; r = strchr(r, '\n') + 1) {
        assert_true(r[numa_at - 1] == ' ' && r[numa_at] != ' ');
        assert_true(r[lock_end - 1] >= '0' && r[lock_end - 1] <= '9');
        assert_true(r[lock_end] == ' ');
        sp_pool_stats rs;
        assert_int_equal(sp_poolmgr_stats_get(mgr, r == row1 ? 0 : 1, &rs),
                         SP_OK);
        assert_int_equal(
            strncmp(r + numa_at, rs.numa_note, strlen(rs.numa_note)), 0);
    }
    /* 5 acquires, 4 from the free list: 80% reuse; not locked (no_lock). */
    assert_non_null(strstr(row1, " 80.0 "));
    assert_non_null(strstr(row1, "off"));
    assert_int_equal(strncmp(total, "total: 2 pools", 14), 0);
    assert_non_null(strstr(total, "of 32.0 MiB budget"));
    assert_non_null(strstr(total, "6 acquires"));
    free(buf);

    /* JSON: parses, and its numbers are the stats'. */
    need = sp_poolmgr_report(mgr, SP_REPORT_JSON, NULL, 0);
    buf = malloc((size_t)need + 1);
    assert_non_null(buf);
    assert_int_equal(
        sp_poolmgr_report(mgr, SP_REPORT_JSON, buf, (size_t)need + 1), need);
    assert_true(json_valid(buf));
    assert_int_equal(json_num(buf, "budget_bytes"), 32 * MIB);
    assert_int_equal(json_num(buf, "reserved_bytes"), sp_poolmgr_reserved(mgr));
    assert_int_equal(json_num(buf, "in_use_bytes"), 2 * MIB);
    sp_pool_stats st;
    sp_poolmgr_stats_get(mgr, 0, &st);
    assert_int_equal(json_num(buf, "acquires"), st.acquires);
    assert_int_equal(json_num(buf, "reuses"), 4);
    assert_int_equal(json_num(buf, "block_size"), 4096);
    assert_non_null(strstr(buf, "\"name\": \"class 4 KiB\""));
    assert_non_null(strstr(buf, "\"name\": \"class 2 MiB\""));
    assert_non_null(strstr(buf, "\"numa_note\": \""));
    assert_non_null(strstr(buf, "\"reuse_ratio\": 0.8"));
    free(buf);

    assert_int_equal(
        sp_poolmgr_report(mgr, (sp_report_format)7, small, sizeof small),
        SP_EINVAL);
    sp_pool_release(b);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
}

static void test_empty_report_is_valid_json(void **state)
{
    (void)state;
    sp_poolmgr *mgr = make_mgr(0, SP_POOL_WAIT, 0);
    char buf[512];
    assert_true(sp_poolmgr_report(mgr, SP_REPORT_JSON, buf, sizeof buf) > 0);
    assert_true(json_valid(buf));
    assert_non_null(strstr(buf, "\"pools\": []"));
    assert_true(sp_poolmgr_report(mgr, SP_REPORT_TABLE, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "total: 0 pools"));
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_sizes),
        cmocka_unit_test(test_lazy_pools_and_reuse),
        cmocka_unit_test(test_budget_message),
        cmocka_unit_test(test_trim_makes_room),
        cmocka_unit_test(test_nowait_budget_refusal),
        cmocka_unit_test(test_concurrent_budget),
        cmocka_unit_test(test_destroy_busy_refused),
        cmocka_unit_test(test_json_checker_rejects),
        cmocka_unit_test(test_report_table_and_json),
        cmocka_unit_test(test_empty_report_is_valid_json),
    };
    return cmocka_run_group_tests_name("poolmgr", tests, NULL, NULL);
}
