/* `sensorpipe devices`: what the kernel runtime found and chose (SIMD level
 * and why, OpenCL platforms and devices, the device each back-end uses and
 * why) and a summary of the machine's topology from hwloc. */
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "sp_kernels.h"
#include "sp_png.h"

void cli_devices_help(FILE *out)
{
    fprintf(out,
            "usage: " CLI_PROG " devices\n"
            "\n"
            "Shows what the kernel runtime found and chose:\n"
            "  - the SIMD level (sse41, avx2, neon or scalar) and why; the\n"
            "    SP_SIMD environment variable (scalar|sse41|avx2|neon)\n"
            "    lowers it;\n"
            "  - every OpenCL platform and device; the device that\n"
            "    --backend opencl uses (SP_OPENCL_DEVICE = index or name\n"
            "    substring, else the first GPU, else the first CPU device)\n"
            "    and whether --backend auto uses OpenCL (GPUs only, unless\n"
            "    a device is named); whether each device shares host memory\n"
            "    (zero-copy) or has its own (SP_OPENCL_MEMORY=copy treats\n"
            "    any device so); whether its float divide is exact and\n"
            "    whether it has double precision (without them, --backend\n"
            "    auto keeps the kernels that need them on the CPU);\n"
            "  - the library that inflates PNG pixel data (isa-l or\n"
            "    libdeflate, chosen when the library was built);\n"
            "  - the CPU topology (packages, NUMA nodes, cores, threads,\n"
            "    caches) as hwloc sees it.\n");
}

static int count(hwloc_topology_t t, hwloc_obj_type_t type)
{
    int n = hwloc_get_nbobjs_by_type(t, type);
    return n < 0 ? 0 : n;
}

static void topology(void)
{
    hwloc_topology_t t;
    if (hwloc_topology_init(&t) < 0 || hwloc_topology_load(t) < 0) {
        printf("Topology: hwloc could not load the topology\n");
        return;
    }
    printf("Topology (hwloc %s):\n", HWLOC_VERSION);
    printf("  %d package(s), %d NUMA node(s), %d core(s), %d hardware "
           "thread(s)\n",
           count(t, HWLOC_OBJ_PACKAGE), count(t, HWLOC_OBJ_NUMANODE),
           count(t, HWLOC_OBJ_CORE), count(t, HWLOC_OBJ_PU));
    static const struct {
        hwloc_obj_type_t type;
        const char *name;
    } caches[] = {{HWLOC_OBJ_L1CACHE, "L1d"},
                  {HWLOC_OBJ_L2CACHE, "L2"},
                  {HWLOC_OBJ_L3CACHE, "L3"}};
    for (size_t i = 0; i < sizeof caches / sizeof caches[0]; i++) {
        int n = count(t, caches[i].type);
        if (n == 0)
            continue;
        hwloc_obj_t o = hwloc_get_obj_by_type(t, caches[i].type, 0);
        printf("  %s: %d x %llu KiB\n", caches[i].name, n,
               (unsigned long long)(o->attr->cache.size >> 10));
    }
    for (int i = 0; i < count(t, HWLOC_OBJ_NUMANODE); i++) {
        hwloc_obj_t o =
            hwloc_get_obj_by_type(t, HWLOC_OBJ_NUMANODE, (unsigned)i);
        char cpus[128];
        hwloc_bitmap_list_snprintf(cpus, sizeof cpus, o->cpuset);
        printf("  NUMA node %u: %llu MiB, CPUs %s\n", o->os_index,
               (unsigned long long)(o->attr->numanode.local_memory >> 20),
               cpus);
    }
    hwloc_topology_destroy(t);
}

int cli_devices_main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            cli_devices_help(stdout);
            return 0;
        }
        fprintf(stderr, CLI_PROG " devices: unknown argument '%s'\n", argv[i]);
        cli_devices_help(stderr);
        return 2;
    }
    int need = sp_kernels_describe(NULL, 0);
    char *buf = malloc((size_t)need + 1);
    if (!buf) {
        fprintf(stderr, CLI_PROG " devices: out of memory\n");
        return 1;
    }
    sp_kernels_describe(buf, (size_t)need + 1);
    fputs(buf, stdout);
    free(buf);
    printf("PNG inflate: %s\n", sp_png_inflater());
    topology();
    return 0;
}
