/* Internal to pipeline/sinks/: the output folder a file sink writes into.
 *
 * A sink names each file DIR/<stream>/<seq:06d><suffix>.<ext>; a stream that
 * is a log topic ("/sensing/lidar/points") becomes nested folders
 * (DIR/sensing/lidar/points/). The folder is
 * created and proven writable in the sink's init() (so an unwritable
 * destination fails before the first frame, naming the path and the
 * reason); each stream's subfolder is created the first time the stream
 * appears. Stream names are checked so that nothing is written outside DIR.
 * Building a path allocates nothing. */
#ifndef SP_SINK_INT_H
#define SP_SINK_INT_H

#include <limits.h>

#include "sp_frame.h"
#include "sp_stage.h"

#define SP__SINK_MAX_STREAMS 16

typedef struct sp__sink_dir {
    char dir[PATH_MAX / 2];
    int nstreams; /* subfolders known to exist */
    char streams[SP__SINK_MAX_STREAMS][SP_STREAM_NAME_MAX];
    char path[PATH_MAX]; /* the last path built */
} sp__sink_dir;

/* Create @p dir (and its parents) and check that files can be created in
 * it. SP_EINVAL for an empty or too long path, SP_EIO with the path and
 * strerror. */
int sp__sink_dir_open(sp__sink_dir *d, const char *dir);

/* Build the path of frame @p f's file, "DIR/STREAM/SEQ<suffix>.<ext>"
 * (@p suffix may be ""), creating DIR/STREAM (and its parents, for a
 * topic) when the stream is new. The result stays valid until the next
 * call. SP_EINVAL for a stream name that is empty or has an empty
 * component or one starting with '.'; SP_EIO if a folder cannot be
 * created. */
int sp__sink_dir_path(sp__sink_dir *d, const sp_frame *f, const char *suffix,
                      const char *ext, const char **out);

#endif
