/* The built-in stage classes, registered on first use of the registry.
 *
 * HOW TO ADD A CLASS: define it in its own file under pipeline/ (sources/,
 * sinks/ or stages/), with external linkage and a name of the form
 * sp__stage_<name>:
 *
 *     const sp_stage_class sp__stage_synth = {
 *         .name = "synth", .description = "...", .props = props,
 *         .nprops = sizeof props / sizeof props[0], ...};
 *
 * and add ONE line below:
 *
 *     SP_BUILTIN_STAGE(sp__stage_synth)
 *
 * The registry expands this list twice: once into
 * `extern const sp_stage_class sp__stage_synth;` declarations and once into
 * the table it registers (sorted by name; order here does not matter). No
 * include guard: this file is an X-macro list, included with
 * SP_BUILTIN_STAGE defined. */
#ifndef SP_BUILTIN_STAGE
#error "define SP_BUILTIN_STAGE(sym) before including stages_builtin.h"
#endif

SP_BUILTIN_STAGE(sp__stage_queue)
SP_BUILTIN_STAGE(sp__stage_synth)
SP_BUILTIN_STAGE(sp__stage_crop)
SP_BUILTIN_STAGE(sp__stage_voxel)
SP_BUILTIN_STAGE(sp__stage_npy)
SP_BUILTIN_STAGE(sp__stage_png)
SP_BUILTIN_STAGE(sp__stage_null)
SP_BUILTIN_STAGE(sp__stage_ground)
SP_BUILTIN_STAGE(sp__stage_bev)
SP_BUILTIN_STAGE(sp__stage_range)
SP_BUILTIN_STAGE(sp__stage_project)
SP_BUILTIN_STAGE(sp__stage_debayer)
SP_BUILTIN_STAGE(sp__stage_levels)
SP_BUILTIN_STAGE(sp__stage_convert)
SP_BUILTIN_STAGE(sp__stage_kitti)
SP_BUILTIN_STAGE(sp__stage_pcd)
SP_BUILTIN_STAGE(sp__stage_bin)
SP_BUILTIN_STAGE(sp__stage_raw)
SP_BUILTIN_STAGE(sp__stage_pngs)
SP_BUILTIN_STAGE(sp__stage_pcd_sink)
SP_BUILTIN_STAGE(sp__stage_kittibin)
SP_BUILTIN_STAGE(sp__stage_resize)
SP_BUILTIN_STAGE(sp__stage_normalize)
SP_BUILTIN_STAGE(sp__stage_undistort)
SP_BUILTIN_STAGE(sp__stage_mcap)
