/* Helpers for the ROS message suites (see rosmsg_oracle.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "rosmsg_oracle.h"

const char *ro_tests_dir(void)
{
    static char dir[1024];
    snprintf(dir, sizeof dir, "%s", __FILE__);
    /* .../tests/support/rosmsg_oracle.c -> .../tests */
    for (int k = 0; k < 2; k++) {
        char *s = strrchr(dir, '/');
        if (s)
            *s = '\0';
    }
    return dir;
}

int ro_run(const char *cmd, const char *errfile)
{
    char full[4096];
    snprintf(full, sizeof full, "%s 2>'%s'", cmd, errfile);
    int st = system(full);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

uint8_t *ro_read(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(len > 0 ? (size_t)len : 1);
    if (b && len > 0 && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b)
        *n = (size_t)(len > 0 ? len : 0);
    return b;
}

char *ro_read_text(const char *path)
{
    size_t n;
    uint8_t *b = ro_read(path, &n);
    if (!b)
        return NULL;
    char *t = realloc(b, n + 1);
    if (!t) {
        free(b);
        return NULL;
    }
    t[n] = '\0';
    return t;
}

const char *ro_get(const char *text, const char *key)
{
    static char buf[4][8192];
    static int k;
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t ll = nl ? (size_t)(nl - p) : strlen(p);
        if (ll >= kl && !strncmp(p, key, kl) && (ll == kl || p[kl] == ' ')) {
            const char *v = ll == kl ? p + kl : p + kl + 1;
            size_t vl = ll - (size_t)(v - p);
            k = (k + 1) % 4;
            if (vl >= sizeof buf[k])
                vl = sizeof buf[k] - 1;
            memcpy(buf[k], v, vl);
            buf[k][vl] = '\0';
            return buf[k];
        }
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

long long ro_get_ll(const char *text, const char *key)
{
    const char *v = ro_get(text, key);
    return v ? strtoll(v, NULL, 10) : -1;
}

size_t ro_get_doubles(const char *text, const char *key, double *v, size_t max)
{
    const char *s = ro_get(text, key);
    size_t n = 0;
    while (s && n < max) {
        char *e;
        double d = strtod(s, &e);
        if (e == s)
            break;
        v[n++] = d;
        s = e;
    }
    return n;
}
