/* Internal to pipeline/sinks/: the output folder a file sink writes into,
 * and the names of its files.
 *
 * A sink writes frame f to DIR/<stream>/<name><suffix>.<ext>; a stream that
 * is a log topic ("/sensing/lidar/points") becomes nested folders
 * (DIR/sensing/lidar/points/). The name follows the sink's name= property:
 *   source  (default) after the item the frame was read from: the file's
 *           name without its extension (000134.bin -> 000134; nuScenes'
 *           x.pcd.bin -> x), <stem>_<index:06d> for one of several frames
 *           of a file (raw), the header stamp in ns for a log message;
 *           a frame read from nothing (synth) falls back to seq;
 *   seq     the frame's number in its stream, <seq:06d> (000000, 000001);
 *   stamp   its timestamp in ns, zero-padded to 19 digits so that names
 *           sort as times do.
 * Two frames of one run that would get the same file (two messages of a
 * topic with one header stamp, two files of one name) are an error naming
 * both frames, never an overwrite. A file left by an earlier run is
 * replaced, as before.
 *
 * The folder is created and proven writable in the sink's init() (so an
 * unwritable destination fails before the first frame, naming the path and
 * the reason); each stream's subfolder is created the first time the
 * stream appears. Stream names are checked so that nothing is written
 * outside DIR. Building a path allocates nothing; remembering the names
 * written takes 16 bytes each in a table that doubles when 3/4 full
 * (3072 names before the first growth). */
#ifndef SP_SINK_INT_H
#define SP_SINK_INT_H

#include <limits.h>
#include <stdint.h>

#include "sp_frame.h"
#include "sp_stage.h"

#define SP__SINK_MAX_STREAMS 16

/* The name= property every file sink declares (index = sp__sink_naming). */
#define SP__SINK_NAME_PROP                                                     \
    {                                                                          \
        .name = "name", .type = SP_PROP_ENUM, .def = "source",                 \
        .choices = "source|seq|stamp",                                         \
        .help = "file names: after the input item (000134.bin -> 000134; "     \
                "a log message: its header stamp in ns), seq: the frame's "    \
                "number in its stream (000000), stamp: its timestamp in ns"    \
    }

typedef enum sp__sink_naming {
    SP__SINK_NAME_SOURCE = 0,
    SP__SINK_NAME_SEQ,
    SP__SINK_NAME_STAMP
} sp__sink_naming;

typedef struct sp__sink_name {
    uint64_t hash; /* of the path under DIR; 0 = empty slot */
    uint64_t seq;  /* the frame that got it */
} sp__sink_name;

typedef struct sp__sink_dir {
    char dir[PATH_MAX / 2];
    sp__sink_naming naming;
    int nstreams; /* subfolders known to exist */
    char streams[SP__SINK_MAX_STREAMS][SP_STREAM_NAME_MAX];
    char path[PATH_MAX];  /* the last path built */
    sp__sink_name *names; /* open addressing, cap a power of two */
    size_t nnames, cap;
} sp__sink_dir;

/* Create @p dir (and its parents) and check that files can be created in
 * it; files will be named as @p naming says. SP_EINVAL for an empty or too
 * long path, SP_EIO with the path and strerror, SP_ENOMEM. Release with
 * sp__sink_dir_close() (also after a failure). */
int sp__sink_dir_open(sp__sink_dir *d, const char *dir, sp__sink_naming naming);

/* The naming a sink's name= property asks for. */
sp__sink_naming sp__sink_naming_of(const sp_stage *st);

/* The sink's fini: a note on @p st when the stream folders this run wrote
 * to hold regular files it did not write (an earlier run's into the same
 * dir=: a dataset mixing two runs would otherwise look like one), then
 * the table of names written freed. Safe on a zeroed or closed @p d. */
void sp__sink_dir_close(sp__sink_dir *d, sp_stage *st);

/* Build the path of frame @p f's file, "DIR/STREAM/NAME<suffix>.<ext>"
 * (@p suffix may be ""), creating DIR/STREAM (and its parents, for a
 * topic) when the stream is new, and remember it as written. The result
 * stays valid until the next call. SP_EINVAL for a stream name that is
 * empty or has an empty component or one starting with '.', or when an
 * earlier frame of this run got the same path (the message names both
 * frames, the input and name=seq); SP_EIO if a folder cannot be created;
 * SP_ENOMEM. */
int sp__sink_dir_path(sp__sink_dir *d, const sp_frame *f, const char *suffix,
                      const char *ext, const char **out);

#endif
