/* The built-in stage classes, registered on first use of the registry.
 *
 * HOW TO ADD A CLASS: define it in its own file under pipeline/ (sources/,
 * sinks/ or stages/), with external linkage, at the start of a line, with
 * a name of the form sp__stage_<name>:
 *
 *     const sp_stage_class sp__stage_synth = {
 *         .name = "synth", .description = "...", .props = props,
 *         .nprops = sizeof props / sizeof props[0], ...};
 *
 * Nothing else: the build (cmake/gen_registry.cmake) finds the definition
 * and writes SP_BUILTIN_STAGE(sp__stage_synth) into the generated list
 * included below. The registry expands the list twice: once into
 * `extern const sp_stage_class sp__stage_synth;` declarations and once into
 * the table it registers (sorted by name). No include guard: this file is
 * an X-macro list, included with SP_BUILTIN_STAGE defined. */
#ifndef SP_BUILTIN_STAGE
#error "define SP_BUILTIN_STAGE(sym) before including stages_builtin.h"
#endif

#include "sp_stages_list.h"
