/* libFuzzer target: rosbag2's metadata.yaml parser (io/rosbag2_meta.c) and
 * the probe's sniff of its first key, on arbitrary bytes with no NUL
 * terminator (an exact-size heap copy, so ASan sees any overrun). A
 * refusal must be SP_EFORMAT / SP_EUNSUPPORTED / SP_ERANGE with a message
 * naming the file (and, for a value, its line and column); an accepted
 * file must obey what the parser promises: a version >= 1, a known
 * storage and compression, at least one non-empty file name, topics with a
 * name and a type. The parse runs twice and must give the same result. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rosbag2_int.h"

static void check_refusal(int rc)
{
    const char *m = sp_errmsg();
    if ((rc != SP_EFORMAT && rc != SP_EUNSUPPORTED && rc != SP_ERANGE &&
         rc != SP_ENOMEM) ||
        strncmp(m, "meta.yaml: ", 11) != 0) {
        fprintf(stderr, "unexpected status %d: %s\n", rc, m);
        abort();
    }
}

static void check_accepted(const sp__r2_meta *m)
{
    if (m->version < 1 ||
        (m->storage != SP__R2_SQLITE3 && m->storage != SP__R2_MCAP))
        abort();
    if (m->compression != SP__R2_COMP_NONE &&
        m->compression != SP__R2_COMP_MESSAGE &&
        m->compression != SP__R2_COMP_FILE)
        abort();
    if (m->npaths == 0)
        abort();
    for (size_t i = 0; i < m->npaths; i++)
        if (!m->paths[i] || !m->paths[i][0])
            abort();
    for (size_t i = 0; i < m->ntopics; i++)
        if (!m->topics[i].name[0] || !m->topics[i].type[0] ||
            !m->topics[i].serialization_format)
            abort();
    for (size_t i = 0; i < m->nfiles; i++)
        if (!m->files[i].path)
            abort();
    if (strnlen(m->ros_distro, sizeof m->ros_distro) == sizeof m->ros_distro)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t = malloc(size ? size : 1);
    if (!t)
        return 0;
    memcpy(t, data, size);
    (void)sp__r2_meta_sniff(t, size);
    sp__r2_meta a, b;
    int ra = sp__r2_meta_parse(t, size, "meta.yaml", &a);
    if (ra == SP_OK)
        check_accepted(&a);
    else
        check_refusal(ra);
    int rb = sp__r2_meta_parse(t, size, "meta.yaml", &b);
    if (ra != rb ||
        (ra == SP_OK &&
         (a.version != b.version || a.npaths != b.npaths ||
          a.ntopics != b.ntopics || a.message_count != b.message_count)))
        abort();
    sp__r2_meta_free(&a);
    sp__r2_meta_free(&b);
    free(t);
    return 0;
}
