/* .npy of a cloud's named columns (see sp_npy_write_columns() in
 * sp_npy.h): a plain (N, C) float32 array, or a structured array whose
 * fields keep their names, types and counts. Records are staged through a
 * stack buffer, as the other writers do. */
#include <stdio.h>
#include <string.h>

#include "error_int.h"
#include "npy_int.h"
#include "sp_npy.h"

#define STAGE 65536

static const char *np_type(sp_field_type t)
{
    static const char *const n[] = {"",    "|i1", "|u1", "<i2", "<u2",
                                    "<i4", "<u4", "<f4", "<f8"};
    return (unsigned)t <= SP_FIELD_F64 ? n[t] : "";
}

/* 1 when column @p c answers to @p name (len bytes): its written name, or
 * a standard channel's own. */
static int answers(const sp_points_column *c, const char *name, size_t len)
{
    if (strlen(c->name) == len && !memcmp(c->name, name, len))
        return 1;
    const char *own = c->channel >= 0 ? sp_channel_name(c->channel) : NULL;
    return own && strlen(own) == len && !memcmp(own, name, len);
}

/* The columns @p names picks, in its order, into @p out. */
static int pick(const char *path, const sp_points_column *all, size_t nall,
                const char *names, sp_points_column *out, size_t *nout)
{
    if (!names || !*names || !strcmp(names, "all")) {
        memcpy(out, all, nall * sizeof *all);
        *nout = nall;
        return SP_OK;
    }
    size_t n = 0;
    for (const char *s = names; *s;) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        size_t k = 0;
        while (k < nall && !answers(&all[k], s, len))
            k++;
        if (k == nall || n == SP_POINTS_MAX_COLUMNS) {
            char have[1024] = "";
            size_t h = 0;
            for (size_t i = 0; i < nall && h < sizeof have; i++) {
                int w = snprintf(have + h, sizeof have - h, "%s%s",
                                 i ? "," : "", all[i].name);
                if (w < 0)
                    break;
                h += (size_t)w;
            }
            return sp__fail(SP_EINVAL,
                            "%s: fields= names '%.*s', which the points do "
                            "not have, expected some of %s",
                            path, (int)(len > 64 ? 64 : len), s, have);
        }
        out[n++] = all[k];
        s = e ? e + 1 : s + len;
    }
    *nout = n;
    return SP_OK;
}

int sp_npy_write_columns(const char *path, const sp_points *p,
                         const char *names, int structured)
{
    SP_GUARD(path != NULL && p != NULL);
    sp_points_column all[SP_POINTS_MAX_COLUMNS], c[SP_POINTS_MAX_COLUMNS];
    size_t nall = sp_points_columns(p, all), n = 0;
    SP_TRY(pick(path, all, nall, names, c, &n));
    size_t bytes[SP_POINTS_MAX_COLUMNS], rec = 0, values = 0;
    for (size_t k = 0; k < n; k++) {
        bytes[k] = sp_field_type_size(c[k].type) * c[k].count;
        rec += bytes[k];
        values += c[k].count;
    }
    /* A plain row is the same values as float32. */
    if (rec > STAGE / 2 || values * 4 > STAGE / 2)
        return sp__fail(SP_EUNSUPPORTED,
                        "%s: %zu bytes a point, expected at most %d for npy",
                        path, rec, STAGE / 2);
    char descr[6000];
    size_t dl = 0;
    size_t shape[2] = {p->count, values};
    if (structured) {
        descr[dl++] = '[';
        for (size_t k = 0; k < n && dl < sizeof descr; k++) {
            int w =
                c[k].count > 1
                    ? snprintf(descr + dl, sizeof descr - dl,
                               "%s('%s', '%s', (%u,))", k ? ", " : "",
                               c[k].name, np_type(c[k].type),
                               (unsigned)c[k].count)
                    : snprintf(descr + dl, sizeof descr - dl, "%s('%s', '%s')",
                               k ? ", " : "", c[k].name, np_type(c[k].type));
            if (w > 0)
                dl += (size_t)w;
        }
        if (dl + 2 > sizeof descr)
            return sp__fail(SP_EINVAL, "%s: npy dtype too long", path);
        descr[dl++] = ']';
        descr[dl] = '\0';
    } else {
        snprintf(descr, sizeof descr, "<f4");
    }
    sp__afile f;
    SP_TRY(sp__npy_begin(&f, path, descr, structured ? 1 : 2, shape));
    uint8_t buf[STAGE];
    uint8_t *recs = buf, *rows = buf + STAGE / 2;
    size_t per = rec ? (STAGE / 2) / rec : 1;
    if (values && per > (STAGE / 2) / (values * 4))
        per = (STAGE / 2) / (values * 4);
    int rc = SP_OK;
    for (size_t done = 0; done < p->count && rc == SP_OK;) {
        size_t m = p->count - done < per ? p->count - done : per;
        size_t off = 0;
        for (size_t k = 0; k < n; k++) {
            sp_points_column_copy(p, &c[k], done, m, recs + off, rec);
            off += bytes[k];
        }
        if (structured) {
            rc = sp__afile_write(&f, recs, m * rec);
        } else {
            float *o = (float *)(void *)rows;
            for (size_t i = 0; i < m; i++) {
                const uint8_t *r = recs + i * rec;
                for (size_t k = 0; k < n; k++) {
                    size_t es = sp_field_type_size(c[k].type);
                    for (uint32_t j = 0; j < c[k].count; j++, r += es)
                        *o++ = (float)sp_field_load(c[k].type, r);
                }
            }
            rc = sp__afile_write(&f, rows, m * values * 4);
        }
        done += m;
    }
    return sp__npy_finish(&f, rc);
}
