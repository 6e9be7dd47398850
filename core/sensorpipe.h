/* sensorpipe: the umbrella header. A program outside the tree includes
 * <sensorpipe.h> with the flags from `pkg-config --cflags sensorpipe`, or
 * links sensorpipe::sensorpipe after find_package(sensorpipe). */
#ifndef SENSORPIPE_H
#define SENSORPIPE_H

#include "sp_status.h"
#include "sp_pool.h"
#include "sp_poolmgr.h"
#include "sp_packets.h"
#include "sp_points.h"
#include "sp_image.h"
#include "sp_tensor.h"
#include "sp_kernels.h"
#include "sp_ground.h"
#include "sp_bev.h"
#include "sp_range.h"
#include "sp_project.h"
#include "sp_crop.h"
#include "sp_voxel.h"
#include "sp_debayer.h"
#include "sp_levels.h"
#include "sp_convert.h"
#include "sp_resize.h"
#include "sp_normalize.h"
#include "sp_undistort.h"
#include "sp_png.h"
#include "sp_npy.h"
#include "sp_pcd.h"
#include "sp_bin.h"
#include "sp_rawimg.h"
#include "sp_kitti.h"
#include "sp_loginfo.h"
#include "sp_pngseq.h"
#include "sp_frame.h"
#include "sp_stage.h"
#include "sp_pipeline.h"

#endif
