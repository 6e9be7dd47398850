/* The pull() every filter stage shares (see filter_int.h): one place where
 * frames pass through, the output is created and the input released, so
 * the order of those steps and the frame number in the error cannot drift
 * apart between stages. */
#include <stdio.h>
#include <string.h>

#include "error_int.h"
#include "filter_int.h"
#include "pipeline_int.h"

static int create_output(sp_stage *st, const sp__filter_out *o, sp_frame **res)
{
    sp_poolmgr *mgr = sp_stage_poolmgr(st);
    switch (o->payload) {
    case SP_PAYLOAD_POINTS:
        if (o->like) {
            sp_points_layout l;
            sp_points_layout_of(o->like, &l);
            return sp_frame_create_points_layout(mgr, o->capacity, &l, res);
        }
        return sp_frame_create_points(mgr, o->capacity, o->fields, res);
    case SP_PAYLOAD_IMAGE:
        return sp_frame_create_image(mgr, o->width, o->height, o->format, 0,
                                     res);
    case SP_PAYLOAD_TENSOR:
        return sp_frame_create_tensor(mgr, o->dtype, o->ndim, o->shape, res);
    case SP_PAYLOAD_PACKETS:
        break;
    }
    return sp__fail(SP_EINVAL,
                    "output payload %d, expected points, image "
                    "or tensor",
                    (int)o->payload);
}

int sp__filter_pull(sp_stage *st, const sp__filter_ops *ops, sp_frame **keep,
                    sp_frame **out)
{
    sp_frame *in = NULL, *res = NULL;
    *out = NULL;
    if (keep && *keep) {
        *out = *keep;
        *keep = NULL;
        return SP_OK;
    }
    int rc = ops->upstream ? ops->upstream(st, &in)
                           : sp_stage_pull_upstream(st, &in);
    if (rc != SP_OK)
        return rc;
    if (!sp__filter_wants(st, in, ops->input)) {
        *out = in;
        return SP_OK;
    }
    /* Read before anything is released: the message is written after the
     * frames go back, and a released block may be reused at once. (The
     * origin's text is the source's, which outlives the frame.) */
    uint64_t seq = in->seq, origin_index = in->origin_index;
    const char *origin = in->origin;
    int from_log = in->origin_kind == SP_ORIGIN_LOG;
    sp__filter_out o;
    memset(&o, 0, sizeof o);
    rc = ops->prepare(st, in, &o);
    if (rc == SP_OK && o.pass) {
        *out = in;
        return SP_OK;
    }
    if (rc == SP_OK)
        rc = create_output(st, &o, &res);
    if (rc == SP_OK) {
        sp_frame_copy_meta(res, in);
        if (res->payload == SP_PAYLOAD_TENSOR)
            res->sensor = SP_SENSOR_TENSOR;
        if (ops->stream)
            snprintf(res->stream, sizeof res->stream, "%s", ops->stream);
        rc = ops->run(st, in, res);
    }
    if (rc < 0) {
        sp_frame_unref(res);
        sp_frame_unref(in);
        /* A callback that failed through sp_stage_fail() wrote the whole
         * message, frame included (the convention sp__stage_pull() uses
         * to name the failing stage once). */
        if (strncmp(sp_errmsg(), "stage '", 7) == 0)
            return rc;
        /* The frame and what it was read from: a budget refusal or a
         * coordinate out of range is then traced to its file. */
        if (origin && from_log)
            return sp_stage_fail(st, rc,
                                 "frame %llu (%s, message %llu of "
                                 "its topic): %s",
                                 (unsigned long long)seq, origin,
                                 (unsigned long long)origin_index, sp_errmsg());
        if (origin)
            return sp_stage_fail(st, rc, "frame %llu (%s): %s",
                                 (unsigned long long)seq, origin, sp_errmsg());
        return sp_stage_fail(st, rc, "frame %llu: %s", (unsigned long long)seq,
                             sp_errmsg());
    }
    if (keep)
        *keep = in;
    else
        sp_frame_unref(in);
    *out = res;
    return SP_OK;
}

int sp__filter_wants(sp_stage *st, const sp_frame *in, sp_payload payload)
{
    st->kind_payload = payload;
    if (in->payload != payload) {
        st->kind_other++;
        sp__seen_add(&st->other_seen, (int)in->payload, in->stream);
        return 0;
    }
    st->kind_taken++;
    const char *list = sp_stage_prop_str(st, "streams");
    if (!list || !*list)
        return 1;
    if (sp__stream_in_list(list, in->stream)) {
        st->streams_taken++;
        return 1;
    }
    st->streams_passed++;
    st->streams_payload = payload;
    sp__seen_add(&st->streams_seen, 0, in->stream);
    return 0;
}

int sp__stream_in_list(const char *list, const char *name)
{
    if (!list || !*list)
        return 1;
    size_t nlen = strlen(name);
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        size_t n = (size_t)(e - p);
        while (n && p[n - 1] == ' ')
            n--;
        if (n && p[n - 1] == '*') {
            if (nlen >= n - 1 && !strncmp(name, p, n - 1))
                return 1;
        } else if (n && n == nlen && !strncmp(name, p, n)) {
            return 1;
        }
        p = e;
    }
    return 0;
}

int sp__filter_like_points(sp_stage *st, const sp_frame *in, sp__filter_out *o)
{
    (void)st;
    o->payload = SP_PAYLOAD_POINTS;
    o->capacity = in->u.points.count;
    o->fields = in->u.points.fields;
    o->like = &in->u.points;
    return SP_OK;
}

int sp__filter_f32_tensor(sp__filter_out *o, int ndim, const size_t *shape)
{
    o->payload = SP_PAYLOAD_TENSOR;
    o->dtype = SP_DTYPE_F32;
    o->ndim = ndim;
    for (int i = 0; i < ndim && i < SP_TENSOR_MAX_DIMS; i++)
        o->shape[i] = shape[i];
    return SP_OK;
}
