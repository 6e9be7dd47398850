/* rosbag2's metadata.yaml (see rosbag2_int.h), through libyaml's document
 * API into a small struct. Keys this reader does not use (custom_data,
 * offered_qos_profiles, type_description_hash, ...) are skipped without
 * looking inside them, so aliases and deep nesting there cost nothing;
 * every value it uses is checked, and a bad one is named with its line and
 * column. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "rosbag2_int.h"

typedef struct ctx {
    yaml_document_t *doc;
    const char *name; /* the file, for messages */
} ctx;

static int fail_at(const ctx *c, const yaml_node_t *n, int status,
                   const char *fmt, ...) SP__PRINTF(4, 5);

static int fail_at(const ctx *c, const yaml_node_t *n, int status,
                   const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* libyaml counts lines and columns from 0. */
    return sp__fail(status, "%s: line %zu, column %zu: %s", c->name,
                    n->start_mark.line + 1, n->start_mark.column + 1, what);
}

static const char *kind_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

/* The value of @p key in mapping @p map, or NULL. */
static yaml_node_t *map_get(const ctx *c, const yaml_node_t *map,
                            const char *key)
{
    if (map->type != YAML_MAPPING_NODE)
        return NULL;
    size_t klen = strlen(key);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == klen &&
            !memcmp(k->data.scalar.value, key, klen))
            return yaml_document_get_node(c->doc, p->value);
    }
    return NULL;
}

static int want_kind(const ctx *c, const yaml_node_t *n, yaml_node_type_t t,
                     const char *key, const char *expected)
{
    if (n->type == t)
        return SP_OK;
    return fail_at(c, n, SP_EFORMAT, "%s is %s, expected %s", key, kind_name(n),
                   expected);
}

/* A plain empty, "~" or "null" scalar: YAML's null. */
static int is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE ||
        n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    size_t l = n->data.scalar.length;
    const char *s = (const char *)n->data.scalar.value;
    return l == 0 || (l == 1 && s[0] == '~') ||
           (l == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) ||
                       !memcmp(s, "NULL", 4)));
}

/* A copy of scalar @p n (NULL: "" when absent and optional). */
static int get_str(const ctx *c, const yaml_node_t *n, const char *key,
                   char **out)
{
    *out = NULL;
    size_t len = 0;
    const char *s = "";
    if (n) {
        SP_TRY(want_kind(c, n, YAML_SCALAR_NODE, key, "a string"));
        if (!is_null(n)) {
            s = (const char *)n->data.scalar.value;
            len = n->data.scalar.length;
        }
        if (memchr(s, '\0', len))
            return fail_at(c, n, SP_EFORMAT,
                           "%s holds a NUL character, expected a string", key);
    }
    char *d = malloc(len + 1);
    if (!d)
        return sp__fail(SP_ENOMEM, "%s: out of memory", c->name);
    memcpy(d, s, len);
    d[len] = '\0';
    *out = d;
    return SP_OK;
}

/* A decimal integer (an optional sign, digits) in [lo, hi]. */
static int get_int(const ctx *c, const yaml_node_t *n, const char *key,
                   int64_t lo, uint64_t hi, const char *what, uint64_t *out)
{
    SP_TRY(want_kind(c, n, YAML_SCALAR_NODE, key, what));
    const char *s = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length, i = 0;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    uint64_t v = 0;
    int digits = 0, over = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            over = 1;
        else
            v = v * 10 + d;
    }
    if (v == 0)
        neg = 0; /* "-0" */
    if (!digits || i != len)
        return fail_at(c, n, SP_EFORMAT,
                       "%s '%.*s' is not an integer, "
                       "expected %s",
                       key, (int)(len < 40 ? len : 40), s, what);
    /* lo < 0 means lo is -2^63 at most; magnitudes compare unsigned. */
    uint64_t lo_mag = lo < 0 ? (uint64_t)(-(lo + 1)) + 1 : 0;
    if (over || (neg && v > lo_mag) || (!neg && v > hi) ||
        (!neg && lo > 0 && v < (uint64_t)lo))
        return fail_at(c, n, SP_EFORMAT, "%s %.*s is out of range, expected %s",
                       key, (int)(len < 40 ? len : 40), s, what);
    *out = neg ? (uint64_t)0 - v : v;
    return SP_OK;
}

static int get_count(const ctx *c, const yaml_node_t *n, const char *key,
                     uint64_t *out)
{
    *out = 0;
    if (!n)
        return SP_OK;
    return get_int(c, n, key, 0, UINT64_MAX, "a message count (0 or more)",
                   out);
}

/* A time: a mapping holding one integer @p field (ns), maybe negative
 * (an empty bag's starting time is int64's maximum, some writers' duration
 * its minimum). */
static int get_time(const ctx *c, const yaml_node_t *n, const char *key,
                    const char *field, int64_t *out)
{
    *out = 0;
    if (!n)
        return SP_OK;
    char k[160];
    snprintf(k, sizeof k, "%s.%s", key, field);
    SP_TRY(want_kind(c, n, YAML_MAPPING_NODE, key, "a mapping"));
    const yaml_node_t *v = map_get(c, n, field);
    if (!v)
        return fail_at(c, n, SP_EFORMAT, "%s has no %s, expected a time in ns",
                       key, field);
    uint64_t u;
    SP_TRY(get_int(c, v, k, INT64_MIN, INT64_MAX, "a time in ns (int64)", &u));
    *out = (int64_t)u;
    return SP_OK;
}

static int get_topics(const ctx *c, const yaml_node_t *n, sp__r2_meta *m)
{
    const char *key = "topics_with_message_count";
    SP_TRY(want_kind(c, n, YAML_SEQUENCE_NODE, key, "a list of topics"));
    size_t cnt =
        (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    m->topics = calloc(cnt ? cnt : 1, sizeof *m->topics);
    if (!m->topics)
        return sp__fail(SP_ENOMEM, "%s: out of memory", c->name);
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *it =
            yaml_document_get_node(c->doc, n->data.sequence.items.start[i]);
        char k[96];
        snprintf(k, sizeof k, "%s[%zu]", key, i);
        if (!it)
            return sp__fail(SP_EFORMAT, "%s: %s: missing node", c->name, k);
        SP_TRY(want_kind(c, it, YAML_MAPPING_NODE, k, "a mapping"));
        sp__r2_meta_topic *t = &m->topics[m->ntopics++];
        snprintf(k, sizeof k, "%s[%zu].message_count", key, i);
        SP_TRY(get_count(c, map_get(c, it, "message_count"), k,
                         &t->message_count));
        yaml_node_t *tm = map_get(c, it, "topic_metadata");
        snprintf(k, sizeof k, "%s[%zu].topic_metadata", key, i);
        if (!tm)
            return fail_at(c, it, SP_EFORMAT,
                           "%s[%zu] has no topic_metadata, expected the "
                           "topic's name and type",
                           key, i);
        SP_TRY(want_kind(c, tm, YAML_MAPPING_NODE, k, "a mapping"));
        static const char *const req[2] = {"name", "type"};
        char **dst[3] = {&t->name, &t->type, &t->serialization_format};
        for (int f = 0; f < 3; f++) {
            const char *fk = f < 2 ? req[f] : "serialization_format";
            yaml_node_t *v = map_get(c, tm, fk);
            char kk[128];
            snprintf(kk, sizeof kk, "%s.%s", k, fk);
            if (!v && f < 2)
                return fail_at(c, tm, SP_EFORMAT, "%s has no %s", k, fk);
            SP_TRY(get_str(c, v, kk, dst[f]));
            if (f < 2 && !*dst[f][0])
                return fail_at(c, v, SP_EFORMAT,
                               "%s is empty, expected the "
                               "topic's %s",
                               kk, fk);
        }
    }
    return SP_OK;
}

static int get_paths(const ctx *c, const yaml_node_t *n, sp__r2_meta *m)
{
    const char *key = "relative_file_paths";
    SP_TRY(want_kind(c, n, YAML_SEQUENCE_NODE, key, "a list of file names"));
    size_t cnt =
        (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0)
        return fail_at(c, n, SP_EFORMAT,
                       "%s is empty, expected the bag's storage files", key);
    m->paths = calloc(cnt, sizeof *m->paths);
    if (!m->paths)
        return sp__fail(SP_ENOMEM, "%s: out of memory", c->name);
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *it =
            yaml_document_get_node(c->doc, n->data.sequence.items.start[i]);
        char k[64];
        snprintf(k, sizeof k, "%s[%zu]", key, i);
        if (!it)
            return sp__fail(SP_EFORMAT, "%s: %s: missing node", c->name, k);
        SP_TRY(get_str(c, it, k, &m->paths[m->npaths]));
        m->npaths++;
        if (!m->paths[i][0])
            return fail_at(c, it, SP_EFORMAT,
                           "%s is empty, expected a file name", k);
    }
    return SP_OK;
}

static int get_files(const ctx *c, const yaml_node_t *n, sp__r2_meta *m)
{
    const char *key = "files";
    SP_TRY(want_kind(c, n, YAML_SEQUENCE_NODE, key, "a list of files"));
    size_t cnt =
        (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    m->files = calloc(cnt ? cnt : 1, sizeof *m->files);
    if (!m->files)
        return sp__fail(SP_ENOMEM, "%s: out of memory", c->name);
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *it =
            yaml_document_get_node(c->doc, n->data.sequence.items.start[i]);
        char k[64], kk[96];
        snprintf(k, sizeof k, "%s[%zu]", key, i);
        if (!it)
            return sp__fail(SP_EFORMAT, "%s: %s: missing node", c->name, k);
        SP_TRY(want_kind(c, it, YAML_MAPPING_NODE, k, "a mapping"));
        sp__r2_meta_file *f = &m->files[m->nfiles++];
        yaml_node_t *p = map_get(c, it, "path");
        if (!p)
            return fail_at(c, it, SP_EFORMAT, "%s has no path", k);
        snprintf(kk, sizeof kk, "%s.path", k);
        SP_TRY(get_str(c, p, kk, &f->path));
        snprintf(kk, sizeof kk, "%s.starting_time", k);
        SP_TRY(get_time(c, map_get(c, it, "starting_time"), kk,
                        "nanoseconds_since_epoch", &f->starting_time));
        snprintf(kk, sizeof kk, "%s.duration", k);
        SP_TRY(get_time(c, map_get(c, it, "duration"), kk, "nanoseconds",
                        &f->duration));
        snprintf(kk, sizeof kk, "%s.message_count", k);
        SP_TRY(get_count(c, map_get(c, it, "message_count"), kk,
                         &f->message_count));
    }
    return SP_OK;
}

static int get_compression(const ctx *c, const yaml_node_t *bag, sp__r2_meta *m)
{
    yaml_node_t *fn = map_get(c, bag, "compression_format");
    yaml_node_t *mn = map_get(c, bag, "compression_mode");
    char *format = NULL, *mode = NULL;
    int rc = get_str(c, fn, "compression_format", &format);
    if (rc == SP_OK)
        rc = get_str(c, mn, "compression_mode", &mode);
    if (rc < 0)
        goto out;
    int none = !*mode || !strcasecmp(mode, "none");
    if (!none && strcasecmp(mode, "file") && strcasecmp(mode, "message")) {
        rc = fail_at(c, mn, SP_EFORMAT,
                     "compression_mode '%.40s', expected \"\", NONE, FILE or "
                     "MESSAGE",
                     mode);
        goto out;
    }
    if (none) {
        m->compression = SP__R2_COMP_NONE;
    } else if (!*format) {
        rc = fail_at(c, mn, SP_EFORMAT,
                     "compression_mode %s but compression_format is empty, "
                     "expected zstd",
                     mode);
    } else if (strcmp(format, "zstd")) {
        rc = fail_at(c, fn, SP_EUNSUPPORTED,
                     "compression_format '%.40s': only zstd is read", format);
    } else {
        m->compression =
            !strcasecmp(mode, "file") ? SP__R2_COMP_FILE : SP__R2_COMP_MESSAGE;
    }
out:
    free(format);
    free(mode);
    return rc;
}

static int get_storage(const ctx *c, const yaml_node_t *bag, sp__r2_meta *m)
{
    yaml_node_t *n = map_get(c, bag, "storage_identifier");
    if (!n)
        return fail_at(c, bag, SP_EFORMAT,
                       "rosbag2_bagfile_information has no "
                       "storage_identifier, expected sqlite3 or mcap");
    char *s;
    SP_TRY(get_str(c, n, "storage_identifier", &s));
    int rc = SP_OK;
    if (!strcmp(s, "sqlite3"))
        m->storage = SP__R2_SQLITE3;
    else if (!strcmp(s, "mcap"))
        m->storage = SP__R2_MCAP;
    else
        rc = fail_at(c, n, SP_EUNSUPPORTED,
                     "storage_identifier '%.40s', expected sqlite3 or mcap", s);
    free(s);
    return rc;
}

static int get_all(const ctx *c, sp__r2_meta *m)
{
    yaml_node_t *root = yaml_document_get_root_node(c->doc);
    if (!root)
        return sp__fail(SP_EFORMAT,
                        "%s: empty, expected rosbag2_bagfile_information",
                        c->name);
    yaml_node_t *bag = map_get(c, root, "rosbag2_bagfile_information");
    if (!bag)
        return fail_at(c, root, SP_EFORMAT,
                       "no rosbag2_bagfile_information key, expected a "
                       "rosbag2 metadata.yaml");
    SP_TRY(want_kind(c, bag, YAML_MAPPING_NODE, "rosbag2_bagfile_information",
                     "a mapping"));
    yaml_node_t *v = map_get(c, bag, "version");
    if (!v)
        return fail_at(c, bag, SP_EFORMAT,
                       "rosbag2_bagfile_information has no version");
    uint64_t u;
    SP_TRY(
        get_int(c, v, "version", 1, 1000, "the metadata version (1..9)", &u));
    m->version = (int)u;
    SP_TRY(get_storage(c, bag, m));
    SP_TRY(get_time(c, map_get(c, bag, "starting_time"), "starting_time",
                    "nanoseconds_since_epoch", &m->starting_time));
    SP_TRY(get_time(c, map_get(c, bag, "duration"), "duration", "nanoseconds",
                    &m->duration));
    SP_TRY(get_count(c, map_get(c, bag, "message_count"), "message_count",
                     &m->message_count));
    if ((v = map_get(c, bag, "topics_with_message_count")) && !is_null(v))
        SP_TRY(get_topics(c, v, m));
    v = map_get(c, bag, "relative_file_paths");
    if (!v)
        return fail_at(c, bag, SP_EFORMAT,
                       "rosbag2_bagfile_information has no "
                       "relative_file_paths, expected the bag's storage files");
    SP_TRY(get_paths(c, v, m));
    if ((v = map_get(c, bag, "files")) && !is_null(v))
        SP_TRY(get_files(c, v, m));
    SP_TRY(get_compression(c, bag, m));
    if ((v = map_get(c, bag, "ros_distro"))) {
        char *s;
        SP_TRY(get_str(c, v, "ros_distro", &s));
        snprintf(m->ros_distro, sizeof m->ros_distro, "%s", s);
        free(s);
    }
    return SP_OK;
}

int sp__r2_meta_parse(const char *text, size_t len, const char *name,
                      sp__r2_meta *m)
{
    memset(m, 0, sizeof *m);
    if (len > SP__R2_META_MAX)
        return sp__fail(SP_ERANGE, "%s: %zu bytes, expected at most %zu", name,
                        len, SP__R2_META_MAX);
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return sp__fail(SP_ENOMEM, "%s: out of memory for the YAML parser",
                        name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yaml_document_t doc;
    int rc = SP_OK;
    if (!yaml_parser_load(&parser, &doc)) {
        if (parser.error == YAML_MEMORY_ERROR)
            rc = sp__fail(SP_ENOMEM, "%s: out of memory parsing YAML", name);
        else
            rc = sp__fail(SP_EFORMAT,
                          "%s: line %zu, column %zu: not valid YAML: %s%s%s",
                          name, parser.problem_mark.line + 1,
                          parser.problem_mark.column + 1,
                          parser.problem ? parser.problem : "error",
                          parser.context ? " " : "",
                          parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return rc;
    }
    ctx c = {.doc = &doc, .name = name};
    rc = get_all(&c, m);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

void sp__r2_meta_free(sp__r2_meta *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->npaths; i++)
        free(m->paths[i]);
    for (size_t i = 0; i < m->ntopics; i++) {
        free(m->topics[i].name);
        free(m->topics[i].type);
        free(m->topics[i].serialization_format);
    }
    for (size_t i = 0; i < m->nfiles; i++)
        free(m->files[i].path);
    free(m->paths);
    free(m->topics);
    free(m->files);
    memset(m, 0, sizeof *m);
}

int sp__r2_meta_sniff(const char *text, size_t n)
{
    const char *p = text, *end = text + n;
    if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    static const char key[] = "rosbag2_bagfile_information";
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *s = p;
        p = nl ? nl + 1 : end;
        while (s < le && (*s == ' ' || *s == '\t' || *s == '\r'))
            s++;
        if (s == le || *s == '#' || *s == '%' ||
            (le - s >= 3 && !memcmp(s, "---", 3) &&
             (le - s == 3 || s[3] == ' ' || s[3] == '\r')))
            continue;
        size_t kl = sizeof key - 1;
        if ((size_t)(le - s) < kl + 1 || memcmp(s, key, kl))
            return 0;
        s += kl;
        while (s < le && (*s == ' ' || *s == '\t'))
            s++;
        return s < le && *s == ':';
    }
    return 0;
}
