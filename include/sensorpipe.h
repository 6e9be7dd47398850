/* sensorpipe: the umbrella header, every public header of every layer. A
 * program outside the tree includes <sensorpipe.h> with the flags from
 * `pkg-config --cflags sensorpipe`, or links sensorpipe::sensorpipe after
 * find_package(sensorpipe).
 *
 * It sits above the layers (include/, installed beside the layers' public
 * headers in include/sensorpipe/) because it includes all of them; no
 * file of the library includes it. A new public header gets one line here,
 * under its layer (test_umbrella checks that none is missing). */
#ifndef SENSORPIPE_H
#define SENSORPIPE_H

/* core/ */
#include "sp_status.h"

/* mem/ */
#include "sp_pool.h"
#include "sp_poolmgr.h"
#include "sp_packets.h"
#include "sp_points.h"
#include "sp_image.h"
#include "sp_tensor.h"
#include "sp_calib_data.h"
#include "sp_lidar_calib.h"

/* kernels/ */
#include "sp_kernels.h"
#include "sp_ground.h"
#include "sp_bev.h"
#include "sp_range.h"
#include "sp_project.h"
#include "sp_overlay.h"
#include "sp_crop.h"
#include "sp_voxel.h"
#include "sp_unpack.h"
#include "sp_lidardec.h"
#include "sp_ouster.h"
#include "sp_debayer.h"
#include "sp_levels.h"
#include "sp_convert.h"
#include "sp_resize.h"
#include "sp_normalize.h"
#include "sp_undistort.h"

/* io/ */
#include "sp_file.h"
#include "sp_png.h"
#include "sp_npy.h"
#include "sp_pcd.h"
#include "sp_bin.h"
#include "sp_rawimg.h"
#include "sp_kitti.h"
#include "sp_calib.h"
#include "sp_lidarcal.h"
#include "sp_ouster_meta.h"
#include "sp_pcap.h"
#include "sp_log.h"
#include "sp_loginfo.h"
#include "sp_rosmsg.h"
#include "sp_rosmsg_write.h"
#include "sp_mcap.h"
#include "sp_pngseq.h"

/* pipeline/ */
#include "sp_frame.h"
#include "sp_stage.h"
#include "sp_pipeline.h"

#endif
