/* The process-wide cache of built program binaries (see cl_int.h).
 *
 * Why: every kernel context has its own cl_context (every pipeline, every
 * worker of a fleet), and a program cannot be shared across contexts. From
 * source, PoCL preprocesses and hashes the program on every clBuildProgram
 * even when its on-disk kernel cache holds the result: 26-45 ms a program
 * on this project's CI machine, most of a short pipeline's set-up. Built
 * from the binary of an earlier build on the same device, the same program
 * takes 1-6 ms (measured with PoCL 3 on a 2-core Xeon VM).
 *
 * The table is filled at set-up (a program's first build in the process),
 * never per frame; it holds at most CACHE_BYTES of binaries (every program
 * of this project is 6.5 MB together on PoCL's CPU device) and lives until
 * the process exits. A binary that fails to build is dropped and the
 * program is built from source, as without the cache. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cl_int.h"

#define CACHE_ENTRIES 64
#define CACHE_BYTES ((size_t)64 << 20)

typedef struct bin_entry {
    cl_device_id device;
    const char *name; /* an embedded program's name (static storage) */
    unsigned char *bin;
    size_t len;
} bin_entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bin_entry cache[CACHE_ENTRIES];
static int nentries;
static size_t held;
static long hits;

static bin_entry *find(cl_device_id dev, const char *name)
{
    for (int i = 0; i < nentries; i++)
        if (cache[i].device == dev && strcmp(cache[i].name, name) == 0)
            return &cache[i];
    return NULL;
}

int sp__cl_binary_build(struct sp__cl *cl, const char *name, cl_program *out)
{
    *out = NULL;
    if (getenv("SP_OPENCL_NO_BINARY_CACHE"))
        return 0;
    pthread_mutex_lock(&lock);
    bin_entry *e = find(cl->device, name);
    cl_program prog = NULL;
    if (e) {
        /* built under the lock: the entry may not move or go meanwhile */
        const unsigned char *bin = e->bin;
        cl_int status = CL_SUCCESS, err;
        prog = clCreateProgramWithBinary(cl->context, 1, &cl->device, &e->len,
                                         &bin, &status, &err);
        if (err == CL_SUCCESS && status == CL_SUCCESS &&
            clBuildProgram(prog, 1, &cl->device, cl->build_options, NULL,
                           NULL) == CL_SUCCESS) {
            *out = prog;
            hits++;
        } else {
            if (prog)
                clReleaseProgram(prog);
            /* a binary this device will not take: forget it (its bytes
             * stay counted, so a failing device cannot refill forever) */
            free(e->bin);
            *e = cache[--nentries];
        }
    }
    pthread_mutex_unlock(&lock);
    return *out != NULL;
}

void sp__cl_binary_keep(struct sp__cl *cl, const char *name, cl_program prog)
{
    if (getenv("SP_OPENCL_NO_BINARY_CACHE"))
        return;
    size_t len = 0;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof len, &len,
                         NULL) != CL_SUCCESS ||
        len == 0)
        return;
    pthread_mutex_lock(&lock);
    unsigned char *bin = NULL;
    if (!find(cl->device, name) && nentries < CACHE_ENTRIES &&
        len <= CACHE_BYTES - held && (bin = malloc(len)) != NULL) {
        if (clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bin, &bin,
                             NULL) == CL_SUCCESS) {
            cache[nentries++] = (bin_entry){cl->device, name, bin, len};
            held += len;
        } else {
            free(bin);
        }
    }
    pthread_mutex_unlock(&lock);
}

void sp__cl_binary_stats(int *entries, long *built)
{
    pthread_mutex_lock(&lock);
    *entries = nentries;
    *built = hits;
    pthread_mutex_unlock(&lock);
}
