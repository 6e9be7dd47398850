/* sensorpipe stages [NAME]: the registered stage classes, or one class's
 * properties with their types, defaults, allowed values and help, and what
 * it takes in and gives out. */
#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "sp_pipeline.h"
#include "sp_stage.h"

void cli_stages_help(FILE *out)
{
    fprintf(out,
            "usage: " CLI_PROG " stages [NAME]\n"
            "\n"
            "Without NAME, lists every stage class with its kind (source, "
            "filter, sink) and\na one-line description. With NAME, shows what "
            "it takes in and gives out\n(points, image, tensor; the streams "
            "it creates) and its properties: type,\ndefault, allowed values "
            "and help. An unknown NAME is a usage error (exit 2).\n"
            "\n"
            "examples:\n"
            "  " CLI_PROG " stages\n"
            "  " CLI_PROG " stages queue\n");
}

static const char *kind(const sp_stage_class *c)
{
    return c->is_source ? "source" : c->is_sink ? "sink" : "filter";
}

static void list(void)
{
    size_t n = sp_stage_class_count();
    int w = 4;

    for (size_t i = 0; i < n; i++) {
        int l = (int)strlen(sp_stage_class_at(i)->name);
        if (l > w)
            w = l;
    }
    printf("%-*s  %-6s  %s\n", w, "name", "kind", "description");
    for (size_t i = 0; i < n; i++) {
        const sp_stage_class *c = sp_stage_class_at(i);
        printf("%-*s  %-6s  %s\n", w, c->name, kind(c),
               c->description ? c->description : "");
    }
    printf("\n%zu stages; `" CLI_PROG " stages NAME` shows one's "
           "properties.\n",
           n);
}

static void show(const sp_stage_class *c)
{
    char allowed[256], def[96];
    int w = 4;

    printf("%s (%s): %s\n", c->name, kind(c),
           c->description ? c->description : "");
    printf("\ntakes: %s\ngives: %s\n", c->takes ? c->takes : "(not said)",
           c->gives ? c->gives : "(not said)");
    if (c->nprops == 0) {
        printf("\nno properties\n");
        return;
    }
    for (size_t i = 0; i < c->nprops; i++) {
        int l = (int)strlen(c->props[i].name);
        if (l > w)
            w = l;
    }
    printf("\nproperties:\n");
    printf("  %-*s  %-6s  %-14s  %s\n", w, "name", "type", "default",
           "allowed / help");
    for (size_t i = 0; i < c->nprops; i++) {
        const sp_prop_spec *ps = &c->props[i];
        if (ps->def != NULL)
            snprintf(def, sizeof def, "%s", ps->def);
        else
            snprintf(def, sizeof def, "%s",
                     ps->optional ? "(unset)" : "(required)");
        sp_prop_describe_allowed(ps, allowed, sizeof allowed);
        printf("  %-*s  %-6s  %-14s  %s\n", w, ps->name,
               sp_prop_type_name(ps->type), def, allowed);
        if (ps->help != NULL && *ps->help)
            printf("  %-*s  %-6s  %-14s  %s\n", w, "", "", "", ps->help);
    }
    if (c->is_source)
        printf("\nreplay (every source; README, \"Real-time replay\"):\n%s",
               sp_pipeline_replay_help());
    printf("\nexample: %s", c->name);
    for (size_t i = 0; i < c->nprops && i < 2; i++)
        if (c->props[i].def != NULL)
            printf(" %s=%s", c->props[i].name, c->props[i].def);
    printf("\n");
}

int cli_stages_main(int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr,
                CLI_PROG " stages: expected at most one NAME, got "
                         "%d arguments\n",
                argc - 1);
        return 2;
    }
    if (argc < 2) {
        list();
        return 0;
    }
    const sp_stage_class *c = sp_stage_class_find(argv[1]);
    if (c == NULL) {
        cli_errf(CLI_PROG " stages: %s\n", sp_errmsg());
        return 2;
    }
    /* A name may have a source and a sink (pcd): show both. */
    for (size_t i = 0, n = sp_stage_class_count(); i < n; i++) {
        const sp_stage_class *ci = sp_stage_class_at(i);
        if (strcmp(ci->name, argv[1]) == 0) {
            if (ci != c)
                printf("\n");
            show(ci);
        }
    }
    return 0;
}
